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
    let stop = () => {}
    const ended = new Promise<void>((resolve) => {
      stop = resolve
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    const watcher = await watchLedger(
      pool.etcd,
      (c) => (this.jsonEnabled() ? printData(JSON.stringify(c)) : this.say(changeLine(c))),
      (e) => {
        failure = e
        stop()
      },
      (up, detail) => this.note(up ? `etcd at ${flags.pool}: watch resumed (no change missed)` : `etcd at ${flags.pool}: watch lost (${detail}); reconnecting`),
    )
    this.note(`watching ${flags.pool}; Ctrl-C ends`)
    await ended
    // an open watch stream would keep the process alive after the client closes; a cancel to an etcd that is gone
    // never answers, so it gets the timeout at most
    await Promise.race([watcher.cancel().catch(() => undefined), new Promise((r) => setTimeout(r, flags['etcd-timeout']).unref())])
    if (failure) throw new UbmgrError(`error: etcd watch at ${pool.etcd.options.endpoints.join(',')} ended: ${failure.message.split('\n')[0]}`)
    return undefined
  }
}
