import * as Args from '@oclif/core/args'

import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolRestore extends PoolCommand {
  static override summary = 'Bring a failed (or draining) card back: stranded slices are held again, the rest free'
  static override examples = ['<%= config.bin %> pool restore pool-dpu-1']
  static override args = {card: Args.string({description: 'card id', required: true})}
  static override flags = PoolCommand.flags

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PoolRestore)
    const r = await (await this.openPool(flags)).restore(args.card)
    this.say([`${r.card} restored: ${r.freed} slice(s) free again`, ...r.recovered.map((x) => `  ${x.label}: ${x.slice} back in service`)].join('\n'))
    return r
  }
}
