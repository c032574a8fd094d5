// Where the embedded backend's verbs (start, destroy, live attach/detach) find the pool ledger: in the same
// store transaction as the domain and the host (the default, one machine), or on etcd shared by a super-node
// ($UBMGR_POOL=etcd://…). In the shared case the ledger commits first, by compare-and-swap (the step may run
// again after a lost race, so it must be a pure function of the ledger), then the host and the domain commit
// locally; a crash between the two is what `pool check` on this host reports (README, "One pool for a
// super-node").
import {UbmgrError} from '../../ground/errors.js'
import type {EtcdLedger} from '../../pool/etcd-ledger.js'
import {ledgerFromHost, type Ledger} from '../../pool/index.js'
import {claimNew} from '../../pool/shared.js'
import type {HostState} from '../../sim/host/model.js'
import {readLedger, writeLedger} from './pool.js'
import type {EmbeddedTx} from './store.js'

export type LedgerStep<T> = (ledger: Ledger) => {ledger?: Ledger; result: T}

export interface LedgerAccess {
  /** `busInstance`: the VM's bus instance, which on a shared ledger must not be another host's */
  run<T>(tx: EmbeddedTx, host: HostState, step: LedgerStep<T>, busInstance?: string): Promise<T>
  close(): void
}

export const embeddedLedger: LedgerAccess = {
  async run(tx, host, step) {
    const ledger = await readLedger(tx, host)
    const r = step(ledger)
    if (r.ledger && r.ledger !== ledger) writeLedger(tx, r.ledger)
    return r.result
  },
  close() {},
}

/** The shared ledger, connected on first use (define, list and the like never touch the pool). */
export function sharedLedger(connect: () => Promise<{etcd: EtcdLedger; hostId: string}>): LedgerAccess {
  let opened: Promise<{etcd: EtcdLedger; hostId: string}> | undefined
  return {
    run: async (_tx, host, step, busInstance) => {
      const {etcd, hostId} = await (opened ??= connect())
      return etcd.transaction(async (ltx) => {
        const ledger = (await ltx.read()) ?? ledgerFromHost(host).ledger
        const owner = busInstance && ledger.busInstances.find((b) => b.guid === busInstance.toLowerCase())?.host
        if (owner && owner !== hostId)
          throw new UbmgrError(`error: bus instance ${busInstance} belongs to host ${owner} in the shared pool, not to ${hostId}: give this VM a bus instance of its own`)
        const r = step(ledger)
        if (r.ledger && r.ledger !== ledger) {
          // bus instances this host creates are this host's (the agents re-home them if it is lost)
          claimNew(ledger, r.ledger, hostId)
          ltx.write(r.ledger)
        }
        return r.result
      })
    },
    close: () => {
      void opened?.then(({etcd}) => etcd.close(), () => undefined)
    },
  }
}
