import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolList extends PoolCommand {
  static override summary = 'List the pooled cards: class, failure domain, state, capacity, what is reserved and loaded'
  static override description = 'The pool (UBPRM, ubmgr’s design) keeps a ledger of every pooled card of the host and its PFE/VFE slices.\n--json: {revision, cards: [{id, class, classCode, domain, state, capacity, reserved, loadMbps, slices, held}]}.'
  static override examples = ['<%= config.bin %> pool list', '<%= config.bin %> pool list --json']
  static override flags = PoolCommand.flags

  async run(): Promise<unknown> {
    const {flags} = await this.parse(PoolList)
    const [{cardsTable}, {loadOn, reservedOn}] = await Promise.all([import('../../cli/pool-report.js'), import('../../pool/ledger.js')])
    const {ledger} = await (await this.openPool(flags)).ledger()
    this.data(cardsTable(ledger))
    return {
      revision: ledger.revision,
      cards: ledger.cards.map((c) => ({id: c.id, class: c.class, classCode: c.classCode, domain: c.domain, state: c.state, revision: c.revision, capacity: c.capacity, reserved: reservedOn(c), loadMbps: loadOn(c), slices: c.slices.length, held: c.slices.filter((s) => s.owner).length})),
    }
  }
}
