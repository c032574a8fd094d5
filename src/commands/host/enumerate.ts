import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../../cli/command.js'

export default class HostEnumerate extends UbmgrCommand {
  static override summary = 'Enumerate a host fabric the way the kernel does and show /sys/bus/ub'
  static override description =
    'From each Bus Controller: BFS with ENUM_CMD_TOPO_QUERY (TLVs), CNA assignment with ENUM_CMD_NA_CFG, routes, and\n' +
    'the static server bus instance of UBC0. Prints /sys/bus/ub/devices and /sys/bus/ub/instance; --json the host state.'
  static override examples = ['<%= config.bin %> host enumerate', '<%= config.bin %> host enumerate --host big.yaml --json']
  static override flags = {host: Flags.string({summary: 'host fabric YAML (default: the bundled examples/hosts/default.yaml)'})}

  async run(): Promise<unknown> {
    const {flags} = await this.parse(HostEnumerate)
    const [{loadFabric, enumerateHost, defaultHostPath}, {devicesTable, instanceFile}, {progressBar}] = await Promise.all([
      import('../../sim/host/index.js').then(async (m) => ({...m, enumerateHost: m.enumerateHost})),
      import('../../sim/host/sysfs.js'),
      import('../../cli/progress.js'),
    ])
    const fabric = await loadFabric(flags.host ?? defaultHostPath())
    const t = performance.now()
    const r = enumerateHost(fabric, progressBar('enumerating'))
    const ms = performance.now() - t
    this.say(`# /sys/bus/ub/devices\n${devicesTable(r.state)}\n# /sys/bus/ub/instance\n${instanceFile(r.state)}`)
    this.note(`${fabric.name}: ${r.stats.entities} entities, ${r.stats.links} links, ${r.stats.topoQueries} TOPO_QUERY, ${r.stats.naCfg} NA_CFG, max topo_rank ${r.stats.maxRank}, ${ms.toFixed(0)} ms`)
    return {state: r.state, stats: r.stats, events: r.events.slice(0, 200)}
  }
}
