import * as Args from '@oclif/core/args'

import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolDrain extends PoolCommand {
  static override summary = 'Mark a card draining: nothing new is allocated from it, and pool rebalance moves its slices off'
  static override examples = ['<%= config.bin %> pool drain pool-dpu-2 && <%= config.bin %> pool rebalance']
  static override args = {card: Args.string({description: 'card id', required: true})}
  static override flags = PoolCommand.flags

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PoolDrain)
    const r = await (await this.openPool(flags)).drain(args.card)
    this.say(`${r.card} draining: run 'ubmgr pool rebalance' to move its slices off`)
    return r
  }
}
