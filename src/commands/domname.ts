import * as Args from '@oclif/core/args'

import {UbmgrCommand} from '../cli/command.js'
import {connectFlag} from '../cli/flags.js'

export default class Domname extends UbmgrCommand {
  static override summary = 'Print the name of the domain with an id or UUID'
  static override description = 'virsh domname: an id (a running domain’s number) or a UUID. --json: {key, name}.'
  static override examples = ['<%= config.bin %> domname 3', '<%= config.bin %> domname 5b1f0e2a-3c4d-4e5f-8a6b-7c8d9e0f1a2b']
  static override args = {key: Args.string({required: true, description: 'domain id or UUID'})}
  static override flags = {connect: connectFlag}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Domname)
    const {openBackend} = await import('../backends/index.js')
    const name = await (await openBackend(flags.connect)).domname(args.key)
    this.data(name)
    return {key: args.key, name}
  }
}
