import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolWatch extends PoolCommand {
  static override summary = 'Stream a shared (etcd) ledger\'s changes as they happen: allocations, frees, failures, moves, re-homing'
  static override description = 'One line per change; --json: one JSON object per line {revision, kind, subject, detail, owner?, from?, to?}. SIGINT ends it.'
  static override examples = ['<%= config.bin %> pool watch --pool etcd://10.0.0.1:2379 --json']
  static override flags = PoolCommand.flags

  async run(): Promise<unknown> {
    const {flags} = await this.parse(PoolWatch)
    const [{watchLedger}, {changeLine}, {printData}, {UbmgrError}] = await Promise.all([
      import('../../pool/etcd-hosts.js'),
      import('../../cli/pool-shared-report.js'),
      import('../../cli/output.js'),
      import('../../ground/errors.js'),
    ])
    const pool = await this.openEtcd(flags)
    let failure: Error | undefined
    await new Promise<void>((resolve, reject) => {
      const end = () => resolve()
      process.once('SIGINT', end)
      process.once('SIGTERM', end)
      watchLedger(pool.etcd, (c) => (this.jsonEnabled() ? printData(JSON.stringify(c)) : this.say(changeLine(c))), (e) => {
        failure = e
        resolve()
      }).then((w) => this.note(`watching ${flags.pool} (watch ${w.id ?? 'pending'}); Ctrl-C ends`), reject)
    })
    if (failure) throw new UbmgrError(`error: etcd watch at ${pool.etcd.options.endpoints.join(',')} ended: ${failure.message.split('\n')[0]}`)
    return undefined
  }
}
