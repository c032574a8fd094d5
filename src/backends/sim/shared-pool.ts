// The `ubmgr pool …` verbs with the ledger on etcd (--pool etcd://…): the ledger is authoritative in etcd and shared
// by every host of the super-node; this host's simulated host state (bus instances, ENTITY_REG) stays in its own
// embedded store. A verb holds the local store's lock, runs its ledger transaction on etcd (compare-and-swap,
// retried on conflict), and writes the host state only after etcd committed: if the process dies between the two,
// `pool check` on this host names the slice. See README "One pool for a super-node (etcd)".
import {UbmgrError} from '../../ground/errors.js'
import {adoptOrphans, claimNew, dropForeign, foreignBusInstances, markOrphaned, reconcileShared, rehomeStranded, type Adopted} from '../../pool/shared.js'
import {HostLease, liveHosts, memberHosts, watchHosts, watchLedger, type HostRecord} from '../../pool/etcd-hosts.js'
import type {EtcdLedger} from '../../pool/etcd-ledger.js'
import {
  alloc,
  drainCard,
  failCard,
  free,
  ledgerFromHost,
  rebalance,
  restoreCard,
  type AllocInput,
  type AllocResult,
  type CheckReport,
  type FailReport,
  type FreeResult,
  type Ledger,
  type Move,
  type PoolEvent,
  type RebalancePolicy,
  type Unregistered,
} from '../../pool/index.js'
import type {HostState} from '../../sim/host/model.js'
import {initialHost} from './hook.js'
import {poolFailure, poolStep, rehomeRunning, slowestDomain, withLoads, type Rehomed} from './pool.js'
import type {EmbeddedStore, EmbeddedTx} from './store.js'

export type AgentEvent =
  | {event: 'joined'; host: string; lease: string; ttl: number}
  | {event: 'lease-lost' | 'lease-granted'; host: string; lease: string; detail: string}
  | {event: 'host-lost'; host: string; lost: string; detectMs: number | null; ttlMs: number}
  | {event: 'orphaned'; host: string; lost: string; busInstances: string[]}
  | {event: 'rehomed'; host: string; lost: string; adopted: Adopted[]; detectMs: number | null; rehomeMs: number}
  | {event: 'stranded-rehomed'; host: string; moves: Array<{from: string; to: string; owner: string; reason: string}>}
  | {event: 'dropped'; host: string; busInstances: string[]}
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
      const {ledger: next, set} = withLoads(ledger, loads)
      return {ledger: next, result: set}
    })
  }

  async restore(card: string): Promise<{card: string; recovered: Array<{slice: string; label: string}>; freed: number}> {
    return this.withBoth((ledger) => {
      const r = poolStep(`error: pool restore ${card} failed`, () => restoreCard(ledger, card))
      return {ledger: r.ledger, result: {card: r.card, recovered: r.recovered, freed: r.freed}}
    })
  }

  async drain(card: string): Promise<{card: string}> {
    return this.withBoth((ledger) => ({ledger: poolStep(`error: pool drain ${card} failed`, () => drainCard(ledger, card)), result: {card}}))
  }

  /** Load-driven moves of this host's slices (other hosts' slices on hot cards are theirs to move). */
  async rebalance(opts: {dryRun: boolean; now: number; policy: Partial<RebalancePolicy>}): Promise<{moves: Move[]; stuck: Array<{card: string; utilization: number; why: string}>; rehomed: Rehomed[]; dryRun: boolean}> {
    return this.store.transaction(async (tx) => {
      const host = await this.host(tx)
      const plan = await this.etcd.transaction(async (ltx) => {
        const ledger = (await ltx.read()) ?? ledgerFromHost(host).ledger
        const foreign = foreignBusInstances(ledger, this.hostId)
        const p = rebalance(ledger, host, {now: opts.now, policy: opts.policy, movable: (s) => !foreign.has(s.owner!.busInstance)})
        if (!opts.dryRun && p.moves.length) ltx.write(p.ledger)
        return p
      })
      const rehomed = opts.dryRun || plan.moves.length === 0 ? [] : await rehomeRunning(tx, plan.moves, plan.host)
      return {moves: plan.moves, stuck: plan.stuck, rehomed, dryRun: opts.dryRun}
    })
  }

  /**
   * N-1 on a shared ledger: the card fails for everyone; this host's slices on it are re-homed now (host state and
   * running guests here); other hosts' slices stay on it, failed and held, until their agents re-home them.
   */
  async fail(card: string, opts: {now: number; pollMs: number; downDelayMs: number}): Promise<Omit<FailReport, 'ledger' | 'host'> & {rehomed: Rehomed[]; rehomeUs: number}> {
    return this.store.transaction(async (tx) => {
      const host = await this.host(tx)
      const report = await this.etcd.transaction(async (ltx) => {
        const ledger = (await ltx.read()) ?? ledgerFromHost(host).ledger
        const r = poolStep(`error: pool fail ${card} failed`, () => failCard(ledger, host, card, {now: opts.now, detection: {pollMs: opts.pollMs, downDelayMs: opts.downDelayMs}}))
        ltx.write(r.ledger)
        for (const a of r.affected) {
          const other = a.outcome === 'stranded' ? this.foreignOwner(ledger, a.owner.busInstance) : undefined
          if (other) a.why = `held by host ${other}: its agent re-homes it`
        }
        return r
      })
      const rehomed = await rehomeRunning(tx, report.moves, report.host)
      const {ledger: _l, host: _h, ...rest} = report
      return {...rest, rehomed, rehomeUs: slowestDomain(rehomed)}
    })
  }

  /** This host's slices stranded on failed cards, re-homed where there is room now (the agent runs it). */
  async rehomeStranded(): Promise<{moves: Move[]; rehomed: Rehomed[]}> {
    // a look first: the agent asks often, and usually nothing is stranded
    const peek = await this.etcd.read()
    const mine = new Set(peek?.busInstances.filter((b) => (b.host ?? this.hostId) === this.hostId).map((b) => b.guid))
    if (!peek?.cards.some((c) => c.state === 'failed' && c.slices.some((s) => s.owner && s.state === 'failed' && mine.has(s.owner.busInstance)))) return {moves: [], rehomed: []}
    return this.store.transaction(async (tx) => {
      const host = await this.host(tx)
      const r = await this.etcd.transaction(async (ltx) => {
        const ledger = await ltx.read()
        if (!ledger) return undefined
        const out = rehomeStranded(ledger, host, this.hostId, Date.now())
        if (out.moves.length) ltx.write(out.ledger)
        return out
      })
      if (!r || r.moves.length === 0) return {moves: [], rehomed: []}
      return {moves: r.moves, rehomed: await rehomeRunning(tx, r.moves, r.host)}
    })
  }

  /** Bus instances this host's state still has but the ledger gave to another host (re-homed while it was away). */
  async dropForeign(): Promise<string[]> {
    return this.store.transaction(async (tx) => {
      const ledger = await this.etcd.read()
      if (!ledger) return []
      const r = dropForeign(ledger, await this.host(tx), this.hostId)
      if (r.dropped.length) tx.writeHost(r.host)
      return r.dropped
    })
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
    const dropped = await this.dropForeign()
    if (dropped.length) onEvent({event: 'dropped', host: self, busInstances: dropped})
    let queue = Promise.resolve()
    let stopping = false
    const enqueue = (job: () => Promise<void>) => {
      if (stopping) return
      queue = queue
        .then(() => (stopping ? undefined : job()))
        .catch((error: unknown) => {
          if (!stopping) onEvent({event: 'error', host: self, detail: String((error as Error)?.message ?? error).split('\n')[0].replace(/^error: /, '')})
        })
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
    // a card failed: this host's slices stranded on it (another host ran pool fail) move where there is room
    const stranded = () =>
      enqueue(async () => {
        const r = await this.rehomeStranded()
        if (r.moves.length) onEvent({event: 'stranded-rehomed', host: self, moves: r.moves.map((m) => ({from: m.from, to: m.to, owner: m.owner.vm ? `${m.owner.vm}/${m.owner.device}` : m.owner.busInstance, reason: m.reason}))})
      })
    const ledgerWatch = await watchLedger(
      this.etcd,
      (c) => {
        if (c.kind === 'fail' || (c.kind === 'free' && c.owner)) stranded()
      },
      () => undefined,
    )
    // what happened while no agent watched: hosts gone before we started, orphans whose agent died too
    const sweep = () =>
      enqueue(async () => {
        const [ledger, live, members] = await Promise.all([this.etcd.read(), liveHosts(this.etcd), memberHosts(this.etcd)])
        if (!ledger) return
        // a host that never joined takes no part in failover: its bus instances stay its own
        const gone = new Set(ledger.busInstances.filter((b) => b.host && b.host !== self && !b.orphaned && members.has(b.host) && !live.has(b.host)).map((b) => b.host!))
        for (const h of gone) handleLost(h, Date.now(), null)
        const stale = (b: {orphaned?: {by: string}}) => !!b.orphaned && b.orphaned.by !== self && !live.has(b.orphaned.by)
        if (ledger.busInstances.some(stale)) {
          const t = Date.now()
          const got = await this.adopt(stale)
          if (got.length) onEvent({event: 'rehomed', host: self, lost: got[0].from, adopted: got, detectMs: null, rehomeMs: Date.now() - t})
        }
      })
    sweep()
    stranded()
    const timer = setInterval(() => {
      sweep()
      stranded()
    }, ttl * 1000)
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve()
      signal.addEventListener('abort', () => resolve(), {once: true})
    })
    clearInterval(timer)
    stopping = true
    // a stop must not wait on an etcd that is gone: the job under way and the cancels get 2 s in all
    const cleanup = Promise.all([queue, watcher.cancel().catch(() => undefined), ledgerWatch.cancel().catch(() => undefined)])
    await Promise.race([cleanup, new Promise((r) => setTimeout(r, Math.min(this.etcd.options.timeoutMs, 2000)).unref())])
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
