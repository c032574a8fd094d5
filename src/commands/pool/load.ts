import * as Args from '@oclif/core/args'

import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolLoad extends PoolCommand {
  static override summary = 'Record the measured load of held slices (what the rebalancer balances)'
  static override description = 'SLICE=RATE, e.g. pool-dpu-1/vfe0=80Gbit/s (a slice id or GUID). Typically fed from monitoring.'
  static override examples = ['<%= config.bin %> pool load pool-dpu-1/vfe0=80Gbit/s pool-dpu-1/vfe1=15Gbit/s']
  static override strict = false
  static override args = {load: Args.string({description: 'SLICE=RATE (several may follow)', required: true})}
  static override flags = PoolCommand.flags

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(PoolLoad)
    const {parseLoad} = await import('../../cli/pool-args.js')
    const loads = (argv as string[]).map(parseLoad)
    const r = await (await this.openPool(flags)).setLoads(loads)
    this.say(r.map((l) => `${l.slice}: ${l.mbps} Mbit/s`).join('\n'))
    return r
  }
}
