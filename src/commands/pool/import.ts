import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolImport extends PoolCommand {
  static override summary = 'Replace the ledger (embedded, or etcd with --pool) with one written by pool export'
  static override description =
    'One transaction. A ledger that already holds slices is replaced only with --force. The host state is not ' +
    'changed: run pool check afterwards. --json: {revision, cards, held, target}.'
  static override examples = ['<%= config.bin %> pool import ledger.json --pool etcd://10.0.0.1:2379']
  static override args = {file: Args.string({description: 'the ledger (JSON), or - for stdin', required: true})}
  static override flags = {...PoolCommand.flags, force: Flags.boolean({summary: 'replace a ledger that holds slices'})}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PoolImport)
    const [{readInput}, {checkLedgerDocument}, {UbmgrError}] = await Promise.all([import('../../ground/input.js'), import('../../pool/shared.js'), import('../../ground/errors.js')])
    const text = (await readInput(args.file, {maxBytes: 256 * 1024 * 1024, what: 'a pool ledger'})).toString('utf8')
    let ledger
    try {
      ledger = checkLedgerDocument(JSON.parse(text))
    } catch (error) {
      throw new UbmgrError(`error: ${args.file}: ${(error as Error).message.split('\n')[0]}`)
    }
    const pool = await this.openPool(flags)
    const {ledger: current} = await pool.ledger()
    const held = current.cards.reduce((n, c) => n + c.slices.filter((s) => s.owner).length, 0)
    if (held > 0 && !flags.force) throw new UbmgrError(`error: the target ledger holds ${held} slice(s): --force replaces it`)
    await pool.replaceLedger(ledger)
    const target = flags.pool && flags.pool !== 'embedded' ? flags.pool : 'embedded'
    const n = ledger.cards.reduce((k, c) => k + c.slices.filter((s) => s.owner).length, 0)
    this.say(`imported ${args.file} into the ${target} ledger: revision ${ledger.revision}, ${ledger.cards.length} cards, ${n} slice(s) held`)
    return {revision: ledger.revision, cards: ledger.cards.length, held: n, target}
  }
}
