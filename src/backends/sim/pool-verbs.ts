// The `ubmgr pool …` verbs on the embedded backend's store: each is one transaction over pool/ledger, the host and
// the domains it touches (read-only verbs read committed state). Re-homing a running domain's device changes its
// running definition and guest state in the same commit.
import {
  alloc,
  drainCard,
  failCard,
  free,
  ledgerFromHost,
  rebalance,
  reconcile,
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
import {poolFailure, poolStep, readLedger, rehomeRunning, slowestDomain, withLoads, writeLedger, type Rehomed} from './pool.js'
import type {EmbeddedStore, EmbeddedTx} from './store.js'

export class EmbeddedPool {
  constructor(private readonly store: EmbeddedStore) {}

  private async state(tx: EmbeddedTx): Promise<{host: HostState; ledger: Ledger}> {
    const host = (await tx.readHost<HostState>()) ?? (await initialHost())
    return {host, ledger: await readLedger(tx, host)}
  }

  /** The ledger as committed (built from the host when the store has none yet). */
  async ledger(): Promise<{ledger: Ledger; host: HostState; unregistered: Unregistered[]}> {
    await this.store.state.settle()
    const host = (await this.store.state.read<HostState>('host')) ?? (await initialHost())
    const fresh = ledgerFromHost(host)
    const ledger = (await this.store.state.read<Ledger>('pool/ledger')) ?? fresh.ledger
    return {ledger, host, unregistered: fresh.unregistered}
  }

  async check(): Promise<CheckReport> {
    const {ledger, host} = await this.ledger()
    const domains = await this.store.listDomains()
    return reconcile(ledger, host, domains.map((d) => ({name: d.name, running: d.state !== 'shut off', live: d.live})))
  }

  async alloc(input: AllocInput, dryRun: boolean): Promise<AllocResult & {events: PoolEvent[]; dryRun: boolean}> {
    return this.store.transaction(async (tx) => {
      const {host, ledger} = await this.state(tx)
      const a = alloc(ledger, host, input)
      if (!a.ok) throw poolFailure('error: pool alloc failed', a.error)
      if (!dryRun) {
        writeLedger(tx, a.ledger)
        tx.writeHost(a.host)
      }
      return {...a.result, events: a.events, dryRun}
    })
  }

  async free(busInstanceGuid: string, devices: string[] | undefined, dryRun: boolean): Promise<FreeResult & {dryRun: boolean}> {
    return this.store.transaction(async (tx) => {
      const {host, ledger} = await this.state(tx)
      const f = free(ledger, host, {busInstanceGuid, ...(devices && devices.length > 0 ? {devices} : {})})
      if (!f.ok) throw poolFailure('error: pool free failed', f.error)
      if (!dryRun) {
        writeLedger(tx, f.ledger)
        tx.writeHost(f.host)
      }
      return {...f.result, dryRun}
    })
  }

  /** Measured loads (Mbit/s) of held slices, e.g. from monitoring. */
  async setLoads(loads: Array<{slice: string; mbps: number}>): Promise<Array<{slice: string; mbps: number}>> {
    return this.store.transaction(async (tx) => {
      const {ledger, set} = withLoads((await this.state(tx)).ledger, loads)
      writeLedger(tx, ledger)
      return set
    })
  }

  async rebalance(opts: {dryRun: boolean; now: number; policy: Partial<RebalancePolicy>}): Promise<{moves: Move[]; stuck: Array<{card: string; utilization: number; why: string}>; rehomed: Rehomed[]; dryRun: boolean}> {
    return this.store.transaction(async (tx) => {
      const {host, ledger} = await this.state(tx)
      const plan = rebalance(ledger, host, {now: opts.now, policy: opts.policy})
      const rehomed = opts.dryRun ? [] : await this.commitMoves(tx, plan.moves, plan.ledger, plan.host)
      return {moves: plan.moves, stuck: plan.stuck, rehomed, dryRun: opts.dryRun}
    })
  }

  async fail(card: string, opts: {now: number; pollMs: number; downDelayMs: number}): Promise<Omit<FailReport, 'ledger' | 'host'> & {rehomed: Rehomed[]; rehomeUs: number}> {
    return this.store.transaction(async (tx) => {
      const {host, ledger} = await this.state(tx)
      const report = poolStep(`error: pool fail ${card} failed`, () => failCard(ledger, host, card, {now: opts.now, detection: {pollMs: opts.pollMs, downDelayMs: opts.downDelayMs}}))
      const rehomed = await this.commitMoves(tx, report.moves, report.ledger, report.host)
      const {ledger: _l, host: _h, ...rest} = report
      return {...rest, rehomed, rehomeUs: slowestDomain(rehomed)}
    })
  }

  async restore(card: string): Promise<{card: string; recovered: Array<{slice: string; label: string}>; freed: number}> {
    return this.store.transaction(async (tx) => {
      const {ledger} = await this.state(tx)
      const r = poolStep(`error: pool restore ${card} failed`, () => restoreCard(ledger, card))
      writeLedger(tx, r.ledger)
      return {card: r.card, recovered: r.recovered, freed: r.freed}
    })
  }

  async drain(card: string): Promise<{card: string}> {
    return this.store.transaction(async (tx) => {
      const {ledger} = await this.state(tx)
      writeLedger(tx, poolStep(`error: pool drain ${card} failed`, () => drainCard(ledger, card)))
      return {card}
    })
  }

  /** pool import: the ledger replaced as a whole (the host state is not touched: pool check says if they disagree). */
  async replaceLedger(ledger: Ledger): Promise<void> {
    await this.store.transaction(async (tx) => writeLedger(tx, ledger))
  }

  /** Write the ledger and host after moves, with every moved device of a running domain re-homed in its guest. */
  private async commitMoves(tx: EmbeddedTx, moves: Move[], ledger: Ledger, host: HostState): Promise<Rehomed[]> {
    writeLedger(tx, ledger)
    return rehomeRunning(tx, moves, host)
  }
}
