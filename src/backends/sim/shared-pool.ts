// The `ubmgr pool …` verbs with the ledger on etcd (--pool etcd://…): the ledger is authoritative in etcd and shared
// by every host of the super-node; this host's simulated host state (bus instances, ENTITY_REG) stays in its own
// embedded store. A verb holds the local store's lock, runs its ledger transaction on etcd (compare-and-swap,
// retried on conflict), and writes the host state only after etcd committed: if the process dies between the two,
// `pool check` on this host names the slice. See README "One pool for a super-node (etcd)".
import {UbmgrError} from '../../ground/errors.js'
import {adoptOrphans, claimNew, markOrphaned, reconcileShared, type Adopted} from '../../pool/shared.js'
import {HostLease, liveHosts, watchHosts, type HostRecord} from '../../pool/etcd-hosts.js'
import type {EtcdLedger} from '../../pool/etcd-ledger.js'
import {
  alloc,
  drainCard,
  findSlice,
  free,
  ledgerFromHost,
  PoolError,
  restoreCard,
  type AllocInput,
  type AllocResult,
  type CheckReport,
  type FreeResult,
  type Ledger,
  type PoolEvent,
  type Unregistered,
} from '../../pool/index.js'
import type {HostState} from '../../sim/host/model.js'
import {initialHost} from './hook.js'
import {poolFailure} from './pool.js'
import type {EmbeddedStore, EmbeddedTx} from './store.js'

export type AgentEvent =
  | {event: 'joined'; host: string; lease: string; ttl: number}
  | {event: 'lease-lost' | 'lease-granted'; host: string; lease: string; detail: string}
  | {event: 'host-lost'; host: string; lost: string; detectMs: number | null; ttlMs: number}
  | {event: 'orphaned'; host: string; lost: string; busInstances: string[]}
  | {event: 'rehomed'; host: string; lost: string; adopted: Adopted[]; detectMs: number | null; rehomeMs: number}
  | {event: 'error'; host: string; detail: string}
  | {event: 'stopped'; host: string}

export class SharedPool {
  constructor(
    private readonly store: EmbeddedStore,
    readonly etcd: EtcdLedger,
    readonly hostId: string,
  ) {}

  close(): void {
    this.etcd.close()
  }

  private async host(tx?: EmbeddedTx): Promise<HostState> {
    return (tx ? await tx.readHost<HostState>() : await this.store.state.read<HostState>('host')) ?? (await initialHost())
  }

  /** The shared ledger; before anyone wrote it, the one this host's fabric gives. */
  async ledger(): Promise<{ledger: Ledger; host: HostState; unregistered: Unregistered[]}> {
    const host = await this.host()
    const fresh = ledgerFromHost(host)
    return {ledger: (await this.etcd.read()) ?? fresh.ledger, host, unregistered: fresh.unregistered}
  }

  async check(): Promise<CheckReport> {
    const {ledger, host} = await this.ledger()
    const domains = await this.store.listDomains()
    const live = new Set((await liveHosts(this.etcd)).keys())
    return reconcileShared(ledger, host, domains.map((d) => ({name: d.name, running: d.state !== 'shut off', live: d.live})), this.hostId, live)
  }

  /** One ledger transaction on etcd inside the local store's lock; the host state is written once etcd committed. */
  private async withBoth<T>(fn: (ledger: Ledger, host: HostState) => {ledger?: Ledger; host?: HostState; result: T}): Promise<T> {
    return this.store.transaction(async (tx) => {
      const host = await this.host(tx)
      const out = await this.etcd.transaction(async (ltx) => {
        const ledger = (await ltx.read()) ?? ledgerFromHost(host).ledger
        const r = fn(ledger, host)
        if (r.ledger) ltx.write(r.ledger)
        return r
      })
      if (out.host) tx.writeHost(out.host)
      return out.result
    })
  }

  private foreignOwner(ledger: Ledger, guid: string): string | undefined {
    const b = ledger.busInstances.find((x) => x.guid === guid.toLowerCase())
    return b?.host !== undefined && b.host !== this.hostId ? b.host : undefined
  }

  async alloc(input: AllocInput, dryRun: boolean): Promise<AllocResult & {events: PoolEvent[]; dryRun: boolean; conflicts: number}> {
    const before = this.etcd.conflicts
    const r = await this.withBoth((ledger, host) => {
      const other = this.foreignOwner(ledger, input.busInstanceGuid)
      if (other) throw new UbmgrError(`error: pool alloc failed: bus instance ${input.busInstanceGuid} belongs to host ${other}, not ${this.hostId}`)
      const a = alloc(ledger, host, input)
      if (!a.ok) throw poolFailure('error: pool alloc failed', a.error)
      claimNew(ledger, a.ledger, this.hostId)
      return {...(dryRun ? {} : {ledger: a.ledger, host: a.host}), result: {...a.result, events: a.events, dryRun}}
    })
    return {...r, conflicts: this.etcd.conflicts - before}
  }

  async free(busInstanceGuid: string, devices: string[] | undefined, dryRun: boolean): Promise<FreeResult & {dryRun: boolean}> {
    return this.withBoth((ledger, host) => {
      const other = this.foreignOwner(ledger, busInstanceGuid)
      if (other) throw new UbmgrError(`error: pool free failed: bus instance ${busInstanceGuid} belongs to host ${other}; free it there`)
      const f = free(ledger, host, {busInstanceGuid, ...(devices && devices.length > 0 ? {devices} : {})})
      if (!f.ok) throw poolFailure('error: pool free failed', f.error)
      return {...(dryRun ? {} : {ledger: f.ledger, host: f.host}), result: {...f.result, dryRun}}
    })
  }

  async setLoads(loads: Array<{slice: string; mbps: number}>): Promise<Array<{slice: string; mbps: number}>> {
    return this.withBoth((ledger) => {
      const next = structuredClone(ledger)
      const out = loads.map(({slice, mbps}) => {
        let found
        try {
          found = findSlice(next, slice)
        } catch (error) {
          if (error instanceof PoolError) throw new UbmgrError(`error: ${error.message}`)
          throw error
        }
        if (!found.slice.owner) throw new UbmgrError(`error: slice ${found.slice.id} is not held: only held slices carry a load`)
        found.slice.loadMbps = mbps
        found.card.revision++
        return {slice: found.slice.id, mbps}
      })
      next.revision++
      return {ledger: next, result: out}
    })
  }

  async restore(card: string): Promise<{card: string; recovered: Array<{slice: string; label: string}>; freed: number}> {
    return this.withBoth((ledger) => {
      try {
        const r = restoreCard(ledger, card)
        return {ledger: r.ledger, result: {card: r.card, recovered: r.recovered, freed: r.freed}}
      } catch (error) {
        if (error instanceof PoolError) throw poolFailure(`error: pool restore ${card} failed`, error)
        throw error
      }
    })
  }

  async drain(card: string): Promise<{card: string}> {
    return this.withBoth((ledger) => {
      try {
        return {ledger: drainCard(ledger, card), result: {card}}
      } catch (error) {
        if (error instanceof PoolError) throw poolFailure(`error: pool drain ${card} failed`, error)
        throw error
      }
    })
  }

  /** fail and rebalance move slices between cards on every host's state at once: not done with a shared ledger yet. */
  unsupported(verb: string): never {
    throw new UbmgrError(`error: pool ${verb} is not supported with an etcd ledger yet (it would change other hosts' host state); use the embedded ledger`)
  }

  async fail(): Promise<never> {
    return this.unsupported('fail')
  }

  async rebalance(): Promise<never> {
    return this.unsupported('rebalance')
  }

  async replaceLedger(ledger: Ledger): Promise<void> {
    await this.etcd.replace(ledger)
  }

  /**
   * The agent: keeps this host's lease alive and watches the others'. A host whose key vanishes (lease expired) is
   * lost: its bus instances are marked orphaned by whichever agent commits first (compare-and-swap: the others'
   * commits conflict, and on retry find nothing left to mark), and that agent adopts them. Runs until `signal`.
   */
  async agent(ttl: number, onEvent: (e: AgentEvent) => void, signal: AbortSignal): Promise<void> {
    const self = this.hostId
    const lease = new HostLease(this.etcd, self, ttl, (e) => onEvent({...e, host: self}))
    const rec = await lease.start()
    onEvent({event: 'joined', host: self, lease: rec.lease, ttl})
    let queue = Promise.resolve()
    const enqueue = (job: () => Promise<void>) => {
      queue = queue.then(job).catch((error: unknown) => onEvent({event: 'error', host: self, detail: String((error as Error)?.message ?? error).split('\n')[0]}))
    }
    const handleLost = (lost: string, detectedAt: number, detectMs: number | null) =>
      enqueue(async () => {
        const marked = await this.etcd.transaction(async (ltx) => {
          const ledger = await ltx.read()
          const m = ledger && markOrphaned(ledger, lost, self, Date.now())
          if (m) ltx.write(m.ledger)
          return m?.busInstances
        })
        if (marked) onEvent({event: 'orphaned', host: self, lost, busInstances: marked})
        const adopted = await this.adopt((b) => b.orphaned?.by === self)
        if (adopted.length) onEvent({event: 'rehomed', host: self, lost, adopted, detectMs, rehomeMs: Date.now() - detectedAt})
      })
    const watcher = await watchHosts(this.etcd, (lost, last: HostRecord | undefined) => {
      if (lost === self) return
      const now = Date.now()
      // last sign of life: the host's last keepalive (same clock domain: NTP across hosts)
      const detectMs = last ? now - last.beat : null
      onEvent({event: 'host-lost', host: self, lost, detectMs, ttlMs: (last?.ttl ?? 0) * 1000})
      handleLost(lost, now, detectMs)
    })
    // what happened while no agent watched: hosts gone before we started, orphans whose agent died too
    const sweep = () =>
      enqueue(async () => {
        const [ledger, live] = await Promise.all([this.etcd.read(), liveHosts(this.etcd)])
        if (!ledger) return
        const gone = new Set(ledger.busInstances.filter((b) => b.host && b.host !== self && !b.orphaned && !live.has(b.host)).map((b) => b.host!))
        for (const h of gone) handleLost(h, Date.now(), null)
        const stale = (b: {orphaned?: {by: string}}) => !!b.orphaned && b.orphaned.by !== self && !live.has(b.orphaned.by)
        if (ledger.busInstances.some(stale)) {
          const t = Date.now()
          const got = await this.adopt(stale)
          if (got.length) onEvent({event: 'rehomed', host: self, lost: got[0].from, adopted: got, detectMs: null, rehomeMs: Date.now() - t})
        }
      })
    sweep()
    const timer = setInterval(sweep, ttl * 1000)
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve()
      signal.addEventListener('abort', () => resolve(), {once: true})
    })
    clearInterval(timer)
    await watcher.cancel().catch(() => undefined)
    await queue
    // the lease is not revoked: an agent restarted within the TTL keeps its host; one that stays away is re-homed
    await lease.stop(false)
    onEvent({event: 'stopped', host: self})
  }

  /** Adopt orphaned bus instances into this host's state and the ledger (one local + one etcd transaction). */
  private adopt(which: (b: {orphaned?: {by: string}}) => boolean): Promise<Adopted[]> {
    return this.withBoth((ledger, host) => {
      const a = adoptOrphans(ledger, host, this.hostId, Date.now(), which)
      return a.adopted.length ? {ledger: a.ledger, host: a.host, result: a.adopted} : {result: []}
    })
  }
}
