import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../../cli/command.js'
import {printOut} from '../../cli/output.js'

export default class HostEnumerate extends UbmgrCommand {
  static override summary = 'Enumerate a host fabric the way the kernel does and show /sys/bus/ub'
  static override description =
    'A fabric file (JSON or YAML) is enumerated as ub_enum_probe does it: every Bus Controller, one BFS with ' +
    'ENUM_CMD_TOPO_QUERY and ENUM_CMD_NA_CFG, routes, activation with the static server bus instance of UBC0. ' +
    '--host sysfs:PATH reads a /sys/bus/ub tree instead (default PATH /sys/bus/ub, a real UB host). Prints ' +
    '/sys/bus/ub/devices and /sys/bus/ub/instance; --json the host state.'
  static override examples = ['<%= config.bin %> host enumerate', '<%= config.bin %> host enumerate --host big.json -q', '<%= config.bin %> host enumerate --host sysfs:', '<%= config.bin %> host enumerate --host sysfs:./tree --json']
  static override flags = {host: Flags.string({summary: 'host fabric file, or sysfs:PATH (default: the bundled examples/hosts/default.yaml)'})}

  async run(): Promise<unknown> {
    const {flags} = await this.parse(HostEnumerate)
    const [host, {devicesTable, instanceFile}, {progressBar}] = await Promise.all([import('../../sim/host/index.js'), import('../../sim/host/sysfs.js'), import('../../cli/progress.js')])
    const sysfs = flags.host ? host.sysfsPath(flags.host) : undefined
    const t = performance.now()
    let result: {state: import('../../sim/host/model.js').HostState; stats?: unknown; events?: unknown[]}
    if (sysfs) {
      result = {state: await host.loadHost(flags.host)}
      this.note(`${sysfs}: ${result.state.entities.length} entities, ${result.state.instances.length} bus instances, read in ${(performance.now() - t).toFixed(0)} ms`)
    } else {
      const fabric = await host.loadFabric(flags.host ?? host.defaultHostPath())
      const r = host.enumerateHost(fabric, progressBar('enumerating'))
      result = {state: r.state, stats: r.stats, events: r.events.slice(0, 200)}
      const s = r.stats
      this.note(`${fabric.name}: ${s.entities} entities, ${s.links} links, ${s.topoQueries} TOPO_QUERY, ${s.naCfg} NA_CFG, ${s.routes} route entries, max topo_rank ${s.maxRank}, ${(performance.now() - t).toFixed(0)} ms`)
    }
    // -q: the two files' contents without their "# path" headings.
    const heading = (path: string) => (this.quiet ? '' : `# ${path}\n`)
    if (!this.jsonEnabled()) printOut(`${heading('/sys/bus/ub/devices')}${devicesTable(result.state)}\n${heading('/sys/bus/ub/instance')}${instanceFile(result.state)}`)
    return result
  }
}
