import * as Args from '@oclif/core/args'

import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolShow extends PoolCommand {
  static override summary = 'Show the ledger: every slice (PFE/VFE) with its state, holder, bus instance, share and load'
  static override description = 'With CARD, that card’s slices only. --json: the ledger itself (cards with slices, bus instances, revisions).'
  static override examples = ['<%= config.bin %> pool show', '<%= config.bin %> pool show pool-dpu-1 --json']
  static override args = {card: Args.string({description: 'a card id (default: all)'})}
  static override flags = PoolCommand.flags

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PoolShow)
    const [{slicesTable, busInstancesTable}, {findCard}] = await Promise.all([import('../../cli/pool-report.js'), import('../../pool/ledger.js')])
    const {ledger, unregistered} = await (await this.openPool(flags)).ledger()
    if (args.card) {
      const card = this.guard(() => findCard(ledger, args.card!))
      this.data(slicesTable(ledger, card.id))
      return card
    }
    this.data(`${slicesTable(ledger)}\n\n${ledger.busInstances.length ? busInstancesTable(ledger) : 'no bus instance holds pooled devices'}`)
    for (const u of unregistered) this.note(`warning: ${u.guid} not in the pool: ${u.reason}`)
    return ledger
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn()
    } catch (error) {
      throw this.poolError(error)
    }
  }
}
