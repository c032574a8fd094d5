import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../../cli/command.js'

export default class HostTopology extends UbmgrCommand {
  static override summary = 'Draw a host fabric: text tree, Graphviz dot or Mermaid'
  static override examples = ['<%= config.bin %> host topology', '<%= config.bin %> host topology --format dot | dot -Tsvg > ub.svg']
  static override flags = {
    host: Flags.string({summary: 'host fabric YAML (default: the bundled one)'}),
    format: Flags.string({summary: 'output format', options: ['text', 'dot', 'mermaid'], default: 'text'}),
  }

  async run(): Promise<{format: string; text: string}> {
    const {flags} = await this.parse(HostTopology)
    const [{loadHost}, {drawTopology}] = await Promise.all([import('../../sim/host/index.js'), import('../../sim/host/topology.js')])
    const text = drawTopology(await loadHost(flags.host), flags.format as 'text')
    if (!this.jsonEnabled()) process.stdout.write(text)
    return {format: flags.format, text}
  }
}
