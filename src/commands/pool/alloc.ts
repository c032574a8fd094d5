import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolAlloc extends PoolCommand {
  static override summary = 'Allocate pooled devices into a bus instance (UBSE alloc_devices)'
  static override description =
    'REQUEST is CLASS[,bandwidth=RATE][,queues=N][,compute=N][,vendor=0xVVVV][,group=NAME][,whole][,name=NAME], ' +
    'e.g. dpu,bandwidth=50Gbit/s,queues=8. Requests of one group never share a card. --bus-instance new (default) ' +
    'creates a bus instance, as UBSE does for an all-zero GUID. Every step is undone if one fails. --dry-run shows the ' +
    'placement and changes nothing. --json: {busInstanceGuid, createdBusInstance, devices, tid, uba, size, events, dryRun}.'
  static override examples = [
    '<%= config.bin %> pool alloc dpu,bandwidth=50Gbit/s,queues=8 nic,bandwidth=25Gbit/s --upi 0x12',
    '<%= config.bin %> pool alloc dpu,group=a dpu,group=a --dry-run --json',
  ]
  static override strict = false
  static override args = {request: Args.string({description: 'one request (several may follow)', required: true})}
  static override flags = {
    ...PoolCommand.flags,
    'bus-instance': Flags.string({summary: 'bus instance GUID, or new (default)', default: 'new'}),
    upi: Flags.string({summary: 'UPI (UBSE: 1..0x7c16); server bus instances have none'}),
    'dry-run': Flags.boolean({summary: 'show the placement, change nothing'}),
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(PoolAlloc)
    const [{parseRequest, parseUpi}, {table}] = await Promise.all([import('../../cli/pool-args.js'), import('../../cli/pool-report.js')])
    const requests = (argv as string[]).map((r, i) => parseRequest(r, i))
    const upi = flags.upi === undefined ? undefined : parseUpi(flags.upi)
    const pool = await this.openPool(flags)
    const r = await pool.alloc({busInstanceGuid: flags['bus-instance'], ...(upi !== undefined ? {upi} : {}), requests}, flags['dry-run'])
    this.say(
      `${r.dryRun ? 'would allocate into' : 'allocated into'} bus instance ${r.busInstanceGuid}${r.createdBusInstance ? ' (new)' : ''}; tid ${r.tid} uba ${r.uba} size ${r.size}\n` +
        table(['REQUEST', 'SLICE', 'GUID', 'EID', 'NODE/SLOT/CHIP/DIE', 'PLACEMENT'], r.devices.map((d) => [d.name, d.slice, d.guid, `0x${d.eid.toString(16)}`, `${d.node}/${d.slot}/${d.chip}/${d.die}`, d.reason])),
    )
    return r
  }
}
