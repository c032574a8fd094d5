// The pool ledger on etcd (issue 11): one ledger for a whole super-node, shared by every host's ubmgr.
// Keys under the prefix (default /ubmgr):
//   <prefix>/ledger/meta         {version, revision, fabric, nextBusInstance, cards: [ids in ledger order],
//                                 busInstances: [...], txn}: everything but the cards
//   <prefix>/ledger/cards/<id>   one card with its slices (JSON, the embedded ledger's card unchanged)
//   <prefix>/hosts/<id>          a joined host, attached to its lease (etcd-hosts.ts)
//   <prefix>/members/<id>        a host that joined once (no lease): its bus instances are re-homed when it is gone
//   <prefix>/ledger-queue/<uuid> a writer's turn after a lost race (on the client's lease; inTurn())
// A commit is one etcd transaction: it compares the meta key's mod_revision (the ledger revision lives there, so
// every commit writes it) and every touched card key's mod_revision (create_revision 0 for a new key) with what
// was read, and writes meta plus the changed cards (changedCards()). A lost race fails the compare: LedgerConflict,
// and the caller runs the whole transaction again (retryOnConflict, jittered backoff). Commits are therefore
// serialised by etcd, like the embedded store's lock, without anyone holding a lock across a crash.
// meta.txn is a random id per commit: after an ambiguous failure (the member died mid-commit) or a refused compare
// (the client's own retry of a commit that had landed), the first change of meta after our read is ours or not
// (landed()), so an allocation is never applied twice.
//
// etcd3 (and grpc) load only here, through a dynamic import: ubmgr's other commands never pay for them.
import {randomUUID} from 'node:crypto'

import type {DeleteBuilder, Etcd3, IKeyValue, Lease, PutBuilder} from 'etcd3'

import {UbmgrError} from '../ground/errors.js'
import {changedCards, type Card, type Ledger, type PoolBusInstance} from './ledger.js'
import {LedgerConflict, retryOnConflict, type LedgerStore, type LedgerTx} from './ledger-store.js'

type Op = PutBuilder | DeleteBuilder
const ATTEMPTS = 400

export interface EtcdTarget {
  /** host:port of each member */
  endpoints: string[]
  /** key prefix, no trailing slash */
  prefix: string
}

export interface EtcdOptions extends EtcdTarget {
  /** every call (and the first contact) gives up after this long */
  timeoutMs: number
  tls?: {ca: Buffer; cert?: Buffer; key?: Buffer}
  auth?: {username: string; password: string}
}

interface Meta {
  version: 1
  revision: number
  fabric: string
  nextBusInstance: number
  cards: string[]
  busInstances: PoolBusInstance[]
  txn: string
}

/** etcd://HOST:PORT[,HOST:PORT…][/prefix] */
export function parseEtcdUri(text: string): EtcdTarget {
  const m = /^etcd:\/\/([^/]+)(\/.*)?$/.exec(text)
  if (!m) throw new UbmgrError(`error: --pool '${text}' is not etcd://HOST:PORT[,HOST:PORT…][/prefix]`, 2)
  const endpoints = m[1].split(',')
  for (const e of endpoints)
    if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(e) || Number(e.slice(e.lastIndexOf(':') + 1)) > 65535)
      throw new UbmgrError(`error: --pool '${text}': '${e}' is not HOST:PORT`, 2)
  const prefix = (m[2] ?? '/ubmgr').replace(/\/+$/, '')
  return {endpoints, prefix: prefix === '' ? '/ubmgr' : prefix}
}

export const ledgerKeys = (prefix: string) => ({
  ledger: `${prefix}/ledger/`,
  meta: `${prefix}/ledger/meta`,
  cards: `${prefix}/ledger/cards/`,
  card: (id: string) => `${prefix}/ledger/cards/${id}`,
  queue: `${prefix}/ledger-queue/`,
  hosts: `${prefix}/hosts/`,
  host: (id: string) => `${prefix}/hosts/${id}`,
  members: `${prefix}/members/`,
  member: (id: string) => `${prefix}/members/${id}`,
})

/** What a transaction read: the ledger and the mod_revision of each key it came from. */
interface Snapshot {
  /** etcd's revision when it was read */
  readRev: string
  ledger: Ledger | undefined
  metaRev: string | undefined
  cardRevs: Map<string, string>
}

/** Errors of a call etcd may not have seen through (a member down, no leader yet): worth another try. */
export function isTransient(error: unknown): boolean {
  const name = (error as Error | undefined)?.constructor?.name ?? ''
  return (
    /GRPC(Unavailable|DeadlineExceeded|ConnectFailed|Cancelled|Internal|Unknown)|ClientRuntime|BrokenCircuit/.test(name) ||
    /no leader|leader changed|timed out|unavailable|circuit breaker|ECONNREFUSED|No connection established/i.test(String((error as Error)?.message))
  )
}

export class EtcdLedger implements LedgerStore {
  readonly keys: ReturnType<typeof ledgerKeys>
  /** retries after a lost compare-and-swap, across all transactions of this client */
  conflicts = 0

  private constructor(
    readonly client: Etcd3,
    readonly options: EtcdOptions,
  ) {
    this.keys = ledgerKeys(options.prefix)
  }

  /** Connect and check that etcd answers, within options.timeoutMs; else one line naming the endpoints. */
  static async open(options: EtcdOptions): Promise<EtcdLedger> {
    const {Etcd3} = await import('etcd3')
    const scheme = options.tls ? 'https' : 'http'
    const client = new Etcd3({
      hosts: options.endpoints.map((e) => `${scheme}://${e}`),
      dialTimeout: options.timeoutMs,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : {deadline: Date.now() + options.timeoutMs}),
      ...(options.tls ? {credentials: {rootCertificate: options.tls.ca, ...(options.tls.key ? {privateKey: options.tls.key} : {}), ...(options.tls.cert ? {certChain: options.tls.cert} : {})}} : {}),
      ...(options.auth ? {auth: options.auth} : {}),
      faultHandling: {watchBackoff: watchBackoff(100)},
    })
    const ledger = new EtcdLedger(client, options)
    try {
      await ledger.bounded(() => client.get(ledger.keys.meta).string())
    } catch (error) {
      client.close()
      throw error
    }
    return ledger
  }

  close(): void {
    this.queueLease?.release()
    this.client.close()
  }

  /** The one line a user sees when etcd does not answer. */
  unreachable(error: unknown): UbmgrError {
    const text = String((error as Error)?.message ?? error).split('\n')[0]
    // grpc: "14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED …. Resolution note: "
    const tls = /SSL routines:[^:]*:([^:]+)/.exec(text)?.[1]
    const why = tls ? `TLS: ${tls}` : (/Last error: (?:Error: )?(.*?)(?:\. Resolution note.*)?$/.exec(text)?.[1] ?? text)
    return new UbmgrError(`error: etcd at ${this.options.endpoints.join(',')} did not answer within ${this.options.timeoutMs} ms: ${why}`)
  }

  /**
   * A call retried while etcd is transiently unavailable (member loss, leader change), for at most timeoutMs in
   * all; then the unreachable line. Other errors (permission, bad TLS) pass through as their own line.
   */
  async bounded<T>(call: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.options.timeoutMs
    let cause: unknown
    for (let attempt = 0; ; attempt++) {
      let timer: NodeJS.Timeout | undefined
      try {
        const left = deadline - Date.now()
        // grpc's own deadline does not cover every wait (dialling, a breaker): a timer does
        return await Promise.race([
          call(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('no answer')), Math.max(left, 1)).unref()
          }),
        ])
      } catch (error) {
        if (error instanceof UbmgrError || error instanceof LedgerConflict) throw error
        if (!isTransient(error) && (error as Error).message !== 'no answer') throw new UbmgrError(`error: etcd at ${this.options.endpoints.join(',')}: ${String((error as Error).message).split('\n')[0]}`)
        // a breaker's "circuit open" says less than the refused connection that opened it
        if (!/circuit breaker/i.test(String((error as Error).message)) || cause === undefined) cause = error
        if (Date.now() + 50 >= deadline) throw this.unreachable(cause)
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 500)))
      } finally {
        clearTimeout(timer)
      }
    }
  }

  async read(): Promise<Ledger | undefined> {
    return (await this.snapshot()).ledger
  }

  /**
   * Transactions of one client run one after the other: they would only lose races to each other (one ubmgr
   * process, or an agent, is one client); clients race each other through compare-and-swap.
   */
  transaction<T>(fn: (tx: LedgerTx) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => this.attempt(fn))
    this.queue = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  private queue: Promise<void> = Promise.resolve()

  /**
   * Optimistic first: read, run, compare-and-swap. A writer that lost a race joins a queue (etcd's lock recipe)
   * before trying again, so under contention writers take turns instead of all re-reading and losing again.
   * The queue only orders attempts: the compare-and-swap alone decides what commits.
   */
  private async attempt<T>(fn: (tx: LedgerTx) => Promise<T>): Promise<T> {
    const once = async () => {
      const snap = await this.snapshot()
      let staged: Ledger | undefined
      const result = await fn({read: async () => (snap.ledger ? structuredClone(snap.ledger) : undefined), write: (next) => (staged = next)})
      if (staged) await this.commit(snap, staged)
      return result
    }
    try {
      return await once()
    } catch (error) {
      if (!(error instanceof LedgerConflict)) throw error
      this.conflicts++
    }
    try {
      return await this.inTurn(() =>
        retryOnConflict(once, ATTEMPTS, (i) => {
          this.conflicts++
          // decorrelated: writers that lost together do not come back together
          return Math.random() * Math.min(2 ** i, 50)
        }),
      )
    } catch (error) {
      if (error instanceof LedgerConflict) throw new UbmgrError(`error: the etcd ledger changed under this command ${ATTEMPTS} times in a row (${error.keys.join(', ')}); nothing was changed: try again`)
      throw error
    }
  }

  private queueLease?: Lease

  /**
   * Run body when this writer's turn comes: a key under <prefix>/ledger-queue/ attached to this client's lease (so
   * a crashed writer's turn ends with its lease); the turn comes when no key created before ours is left. A turn
   * that does not come within the timeout is skipped: the queue is an optimisation, not the guard.
   */
  private async inTurn<T>(body: () => Promise<T>): Promise<T> {
    const c = this.client
    if (!this.queueLease) {
      const lease = c.lease(Math.max(2, Math.ceil(this.options.timeoutMs / 1000)))
      lease.on('lost', () => {
        if (this.queueLease === lease) this.queueLease = undefined
      })
      this.queueLease = lease
    }
    const lease = this.queueLease
    const key = `${this.keys.queue}${randomUUID()}`
    let mine: bigint
    try {
      mine = BigInt((await this.bounded(() => lease.put(key).value('').exec())).header.revision)
    } catch {
      return body()
    }
    try {
      const deadline = Date.now() + this.options.timeoutMs
      for (;;) {
        const before = await this.bounded(() =>
          c.kv.range({key: Buffer.from(this.keys.queue), range_end: Buffer.from(prefixEnd(this.keys.queue)), sort_order: 'Descend', sort_target: 'Create', limit: 1, max_create_revision: String(mine - 1n)}),
        )
        const prev = before.kvs[0]
        if (!prev || Date.now() > deadline) break
        await this.deleted(prev.key, before.header.revision, deadline - Date.now())
      }
      return await body()
    } finally {
      c.delete().key(key).exec().catch(() => undefined)
    }
  }

  /** Resolves when `key` is deleted after revision `rev`, or after `ms`. */
  private async deleted(key: Buffer, rev: string, ms: number): Promise<void> {
    const w = await this.client.watch().key(key).startRevision(String(BigInt(rev) + 1n)).create()
    let timer: NodeJS.Timeout | undefined
    try {
      await new Promise<void>((resolve) => {
        w.once('delete', () => resolve())
        w.once('error', () => resolve())
        timer = setTimeout(resolve, Math.max(ms, 1))
      })
    } finally {
      clearTimeout(timer)
      await w.cancel().catch(() => undefined)
    }
  }

  /** Replace the whole ledger (pool import): one transaction, whatever was there before. */
  async replace(ledger: Ledger): Promise<void> {
    const meta = toMeta(ledger)
    const c = this.client
    const keep = new Set([this.keys.meta, ...ledger.cards.map((card) => this.keys.card(card.id))])
    await this.bounded(async () => {
      // etcd refuses a delete range and a put of the same key in one transaction: delete only what goes
      const old = (await c.getAll().prefix(this.keys.ledger).keys()).filter((k) => !keep.has(k))
      const ops: Op[] = [c.put(this.keys.meta).value(JSON.stringify(meta))]
      for (const card of ledger.cards) ops.push(c.put(this.keys.card(card.id)).value(JSON.stringify(card)))
      for (const k of old) ops.push(c.delete().key(k))
      await this.txn([], ops)
    })
  }

  /**
   * Did our commit land? Its compare let nothing change meta between our read and it, so if it landed it is the
   * first change of meta after snap.readRev: watch meta from there and look at that change's txn id.
   */
  private async landed(snap: Snapshot, txn: string): Promise<boolean> {
    const now = await this.bounded(() => this.client.get(this.keys.meta).exec())
    const rev = now.kvs[0]?.mod_revision
    if (rev === undefined || BigInt(rev) <= BigInt(snap.readRev)) return false
    return this.bounded(async () => {
      const w = await this.client.watch().key(this.keys.meta).startRevision(String(BigInt(snap.readRev) + 1n)).create()
      try {
        const first = await new Promise<IKeyValue>((resolve, reject) => {
          w.once('put', (kv) => resolve(kv))
          w.once('error', reject)
        })
        return (JSON.parse(first.value.toString()) as Meta).txn === txn
      } finally {
        await w.cancel()
      }
    })
  }

  /**
   * One etcd transaction: every compare equal, then every op. (etcd3's builder takes its ops as arguments, which
   * would mean spreading a list into a call; its own low-level request is built here instead.)
   */
  private async txn(compares: Array<[string, 'Mod' | 'Create', string]>, ops: Op[]): Promise<{succeeded: boolean}> {
    const EQUAL = 0
    const target = {Create: 1, Mod: 2} as const
    return this.client.kv.txn({
      compare: compares.map(([key, t, rev]) => ({key: Buffer.from(key), result: EQUAL, target: target[t], [t === 'Mod' ? 'mod_revision' : 'create_revision']: rev})),
      success: await Promise.all(ops.map((o) => o.op())),
      failure: [],
    })
  }

  private async snapshot(): Promise<Snapshot> {
    const res = await this.bounded(() => this.client.getAll().prefix(this.keys.ledger).exec())
    return {...assemble(res.kvs, this.keys), readRev: res.header.revision}
  }

  private async commit(snap: Snapshot, next: Ledger): Promise<void> {
    const c = this.client
    const changed = changedCards(snap.ledger, next)
    const meta = toMeta(next)
    const compares: Array<[string, 'Mod' | 'Create', string]> = [[this.keys.meta, snap.metaRev ? 'Mod' : 'Create', snap.metaRev ?? '0']]
    for (const id of changed) {
      const rev = snap.cardRevs.get(id)
      compares.push([this.keys.card(id), rev ? 'Mod' : 'Create', rev ?? '0'])
    }
    const ops: Op[] = [c.put(this.keys.meta).value(JSON.stringify(meta))]
    for (const card of next.cards) if (changed.includes(card.id)) ops.push(c.put(this.keys.card(card.id)).value(JSON.stringify(card)))
    const gone = [...snap.cardRevs.keys()].filter((id) => !next.cards.some((x) => x.id === id))
    for (const id of gone) ops.push(c.delete().key(this.keys.card(id)))
    let ok: boolean
    try {
      ok = (await this.txn(compares, ops)).succeeded
    } catch (error) {
      if (!isTransient(error)) throw this.unreachable(error)
      // ambiguous: the commit may have landed before the member went away
      if (await this.landed(snap, meta.txn)) return
      throw new LedgerConflict([this.keys.meta])
    }
    // A refused compare can be our own commit seen twice: etcd3 retries a call whose answer was lost (a leader
    // killed after applying it) on another member, where our first attempt has already moved meta on. Only one
    // commit can follow our read (they all compare meta), so the first change after it says whose it was.
    if (!ok && (await this.landed(snap, meta.txn))) return
    if (!ok) throw new LedgerConflict(compares.map(([k]) => k))
  }
}

/**
 * etcd3 waits this long before reconnecting a lost watch stream, on a timer that keeps the process alive even after
 * close(); its default grows to 30 s, so `pool watch` or `pool agent` could hang that long after Ctrl-C. Capped at 1 s.
 */
function watchBackoff(ms: number): {duration: number; next: () => ReturnType<typeof watchBackoff>} {
  return {duration: ms, next: () => watchBackoff(Math.min(ms * 2, 1000))}
}

/** The end of etcd's range for a prefix: the prefix with its last byte plus one. */
function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix)
  b[b.length - 1]++
  return b
}

function toMeta(l: Ledger): Meta {
  return {version: l.version, revision: l.revision, fabric: l.fabric, nextBusInstance: l.nextBusInstance, cards: l.cards.map((c) => c.id), busInstances: l.busInstances, txn: randomUUID()}
}

/** The ledger from its keys, in the embedded ledger's key order (so an export is byte-identical). */
export function assemble(kvs: IKeyValue[], keys: ReturnType<typeof ledgerKeys>): Omit<Snapshot, 'readRev'> {
  const cardRevs = new Map<string, string>()
  const cards = new Map<string, Card>()
  let meta: Meta | undefined
  let metaRev: string | undefined
  for (const kv of kvs) {
    const key = kv.key.toString()
    if (key === keys.meta) {
      meta = JSON.parse(kv.value.toString()) as Meta
      metaRev = kv.mod_revision
    } else if (key.startsWith(keys.cards)) {
      const id = key.slice(keys.cards.length)
      cards.set(id, JSON.parse(kv.value.toString()) as Card)
      cardRevs.set(id, kv.mod_revision)
    }
  }
  if (!meta) return {ledger: undefined, metaRev: undefined, cardRevs}
  const ordered: Card[] = []
  for (const id of meta.cards) {
    const card = cards.get(id)
    if (!card) throw new UbmgrError(`error: the etcd ledger is damaged: meta names card ${id}, which has no key ${keys.card(id)}`)
    ordered.push(card)
  }
  const ledger: Ledger = {version: meta.version, revision: meta.revision, fabric: meta.fabric, cards: ordered, busInstances: meta.busInstances, nextBusInstance: meta.nextBusInstance}
  return {ledger, metaRev, cardRevs}
}
