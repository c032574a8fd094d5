import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../../cli/command.js'
import {printOut} from '../../cli/output.js'

export default class HostTopology extends UbmgrCommand {
  static override summary = 'Draw a host fabric: text tree, Graphviz DOT, Mermaid, or SVG'
  static override description =
    'Entities are grouped by the server they sit in (DOT clusters, Mermaid subgraphs), laid out left to right, ' +
    'each box with its name, class and EID. Leaf devices beyond --collapse behind one switch become one summary ' +
    'box; past 16 servers each server is one box (--servers). --format svg renders in-process with Graphviz ' +
    '(WebAssembly). --json prints the full graph: {nodes, edges}.'
  static override examples = [
    '<%= config.bin %> host topology',
    '<%= config.bin %> host topology --format svg -o ub.svg',
    '<%= config.bin %> host topology --host big.json --format dot --servers always',
    '<%= config.bin %> host topology --json',
  ]
  static override flags = {
    host: Flags.string({summary: 'host fabric file or sysfs:PATH (default: the bundled one)'}),
    format: Flags.string({summary: 'output format', options: ['text', 'dot', 'mermaid', 'svg'], default: 'text'}),
    collapse: Flags.integer({summary: 'draw more leaf devices than this behind one switch as one box (0: never)', default: 8, min: 0}),
    servers: Flags.string({summary: 'one box per server', options: ['auto', 'always', 'never'], default: 'auto'}),
    output: Flags.string({char: 'o', summary: 'write the picture here (atomically) instead of stdout'}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(HostTopology)
    const [{loadHost}, {drawTopology, topologyGraph}] = await Promise.all([import('../../sim/host/index.js'), import('../../sim/host/topology.js')])
    const state = await loadHost(flags.host)
    if (this.jsonEnabled()) return topologyGraph(state)
    const opts = {collapse: flags.collapse, servers: flags.servers as 'auto'}
    const text = flags.format === 'svg' ? await (await import('../../cli/graphviz.js')).dotToSvg(drawTopology(state, 'dot', opts)) : drawTopology(state, flags.format as 'dot', opts)
    if (flags.output) {
      await (await import('../../cli/output-file.js')).writeOutputFile(flags.output, text)
      this.note(`wrote ${flags.output}`)
    } else printOut(text)
    return topologyGraph(state)
  }
}
