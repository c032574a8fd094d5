// Where the ledger lives. The pool model never touches files: it reads and writes the ledger through LedgerTx.
// The embedded backend keeps it as one key (pool/ledger) of ubmgr's state store, in the same transaction as the
// domain record and the host state, so start/destroy/attach/detach commit pool + domain + host at once.
//
// A compare-and-swap store (issue 11: etcd) implements the same interface: read() remembers the revision of what
// it read (the ledger's `revision`, or each card's `revision` when cards are separate keys, like Proxmox's
// digest); commit compares them and fails with LedgerConflict when another writer got there first; the caller
// runs the whole transaction again (retryOnConflict). changedCards() says which card keys a commit must write.
import type {StateStore, Transaction} from '../store/state-store.js'
import type {Ledger} from './ledger.js'

export const LEDGER_KEY = 'pool/ledger'

export interface LedgerTx {
  /** The ledger as this transaction sees it: committed state plus its own staged write; undefined before first use. */
  read(): Promise<Ledger | undefined>
  /** Stage the new ledger; it commits with the transaction, or not at all. */
  write(next: Ledger): void
}

export interface LedgerStore {
  /** Committed ledger, outside any transaction (read-only verbs). */
  read(): Promise<Ledger | undefined>
  /** Run fn in one transaction: serialised by a lock, or retried on LedgerConflict by a compare-and-swap store. */
  transaction<T>(fn: (tx: LedgerTx) => Promise<T>): Promise<T>
}

/** A compare-and-swap commit found the ledger (or a card) changed since it was read. */
export class LedgerConflict extends Error {
  constructor(readonly keys: string[]) {
    super(`pool ledger changed concurrently: ${keys.join(', ')}`)
    this.name = 'LedgerConflict'
  }
}

/**
 * Run a transaction again while a compare-and-swap commit conflicts (at most `attempts` times). `delayMs` (attempt →
 * ms) spaces the attempts: with many writers on one store, retrying at once only loses the next race too.
 */
export async function retryOnConflict<T>(run: () => Promise<T>, attempts = 32, delayMs?: (attempt: number) => number): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run()
    } catch (error) {
      if (!(error instanceof LedgerConflict) || i >= attempts) throw error
      const ms = delayMs?.(i) ?? 0
      if (ms > 0) await new Promise((r) => setTimeout(r, ms))
    }
  }
}

/** The ledger inside a state-store transaction someone else owns (the embedded backend's verb). */
export class StoreLedgerTx implements LedgerTx {
  constructor(private readonly tx: Transaction) {}
  read(): Promise<Ledger | undefined> {
    return this.tx.get<Ledger>(LEDGER_KEY)
  }
  write(next: Ledger): void {
    this.tx.put(LEDGER_KEY, next)
  }
}

/** The ledger on its own in a state store (the store's lock serialises transactions: no conflict can happen). */
export class StoreLedger implements LedgerStore {
  constructor(private readonly store: StateStore) {}
  read(): Promise<Ledger | undefined> {
    return this.store.read<Ledger>(LEDGER_KEY)
  }
  transaction<T>(fn: (tx: LedgerTx) => Promise<T>): Promise<T> {
    return this.store.transaction((tx) => fn(new StoreLedgerTx(tx)))
  }
}
