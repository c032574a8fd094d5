import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../../cli/command.js'

export default class HostExportSysfs extends UbmgrCommand {
  static override summary = 'Write the simulated host as a /sys/bus/ub tree in the kernel’s file formats'
  static override description =
    'DIR gets devices/%05x (guid, eid, primary_cna, upi, instance, class_code, direct_link, resource, portN/ …), ' +
    'drivers/, instance and cluster, byte for byte as drivers/ub/ubus prints them. DIR must not exist or be empty; ' +
    'the tree appears at once. Read it back with --host sysfs:DIR.'
  static override examples = ['<%= config.bin %> host export-sysfs ./ub-tree', '<%= config.bin %> host export-sysfs ./big-tree --host big.json']
  static override args = {dir: Args.string({description: 'directory to create', required: true})}
  static override flags = {host: Flags.string({summary: 'host fabric file or sysfs:PATH (default: the bundled one)'})}

  async run(): Promise<{dir: string; entities: number; files: number}> {
    const {args, flags} = await this.parse(HostExportSysfs)
    const [{loadHost}, {exportSysfs}] = await Promise.all([import('../../sim/host/index.js'), import('../../sim/host/sysfs-tree.js')])
    const r = await exportSysfs(await loadHost(flags.host), args.dir)
    this.note(`wrote ${args.dir}: ${r.entities} entities, ${r.files} files`)
    return {dir: args.dir, ...r}
  }
}
