import {UbmgrCommand} from '../cli/command.js'

export default class Version extends UbmgrCommand {
  static override summary = 'Print the version (the same line as --version)'
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json']

  async run(): Promise<{version: string; userAgent: string}> {
    await this.parse(Version)
    this.data(this.config.userAgent)
    return {version: this.config.version, userAgent: this.config.userAgent}
  }
}
