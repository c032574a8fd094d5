// One ledger for a whole super-node (issue 11), as pure functions. The ledger is shared (etcd); each host's
// simulated host state (bus instances, ENTITY_REG) stays in its own embedded store and reflects only that host's
// allocations. So a bus instance in a shared ledger names its host, a host checks only its own bus instances
// against its host state (others' held slices count for capacity and slice rules only), and when a host's lease
// expires a surviving host adopts its bus instances: registers their slices in its own host state and becomes
// their host (N-1 for the VMs: they restart there with the devices still held).
import {createBusInstance, destroyBusInstance, findInstance} from '../sim/host/instances.js'
import type {HostState} from '../sim/host/model.js'
import {entityReg, entityRegFor, entityRls} from './entity-reg.js'
import {bump, ownerLabel, type Card, type Ledger, type SliceOwner} from './ledger.js'
import {applyMove, destinationFor, type Move} from './move.js'
import {PoolError} from './errors.js'
import {reconcile, type CheckReport, type DomainView} from './reconcile.js'

/** Bus instances this commit created get their host. */
export function claimNew(before: Ledger, after: Ledger, hostId: string): void {
  const old = new Set(before.busInstances.map((b) => b.guid))
  for (const b of after.busInstances) if (!old.has(b.guid)) b.host = hostId
}

/** Bus instances of another host (absent host: the embedded ledger's, this host's). */
export const foreignBusInstances = (ledger: Ledger, hostId: string): Set<string> => new Set(ledger.busInstances.filter((b) => b.host !== undefined && b.host !== hostId).map((b) => b.guid))

/**
 * The ledger as this host's state can check it: other hosts' allocations look free here (their host state is
 * theirs), and their bus instances are not this host's to find.
 */
export function localView(ledger: Ledger, hostId: string): Ledger {
  const foreign = foreignBusInstances(ledger, hostId)
  const view = structuredClone(ledger)
  for (const c of view.cards)
    for (const s of c.slices)
      if (s.owner && foreign.has(s.owner.busInstance)) {
        delete s.owner
        delete s.reserved
        delete s.loadMbps
        delete s.movedAt
        s.state = c.state === 'failed' ? 'failed' : 'free'
      }
  view.busInstances = view.busInstances.filter((b) => !foreign.has(b.guid))
  return view
}

/** pool check on a shared ledger: this host's allocations against its state; capacity and slice rules on all. */
export function reconcileShared(ledger: Ledger, host: HostState, domains: DomainView[], hostId: string, liveHosts?: Set<string>): CheckReport {
  const local = reconcile(localView(ledger, hostId), host, domains)
  const seen = new Set(local.problems.map((p) => `${p.kind} ${p.subject}`))
  const global = reconcile(ledger, host, []).problems.filter((p) => (p.kind === 'capacity' || p.kind === 'state') && !seen.has(`${p.kind} ${p.subject}`))
  const problems = [...local.problems, ...global]
  // an orphan is pending while its agent lives; with the agent gone too, nobody will re-home it
  if (liveHosts)
    for (const b of ledger.busInstances)
      if (b.orphaned && !liveHosts.has(b.orphaned.by)) problems.push({kind: 'leak', subject: b.guid, message: `orphaned by host ${b.orphaned.from}; agent ${b.orphaned.by}, which was to re-home it, is gone too`})
  const held = ledger.cards.reduce((n, c) => n + c.slices.filter((s) => s.owner).length, 0)
  return {...local, problems, held, busInstances: ledger.busInstances.length}
}

/** Mark the bus instances of a lost host orphaned, to be re-homed by `by`. Undefined when it held none. */
export function markOrphaned(ledgerIn: Ledger, lost: string, by: string, now: number): {ledger: Ledger; busInstances: string[]} | undefined {
  const ledger = structuredClone(ledgerIn)
  const mine = ledger.busInstances.filter((b) => b.host === lost && !b.orphaned)
  if (mine.length === 0) return undefined
  for (const b of mine) b.orphaned = {from: lost, by, at: now}
  return {ledger: bump(ledger), busInstances: mine.map((b) => b.guid)}
}

export interface Adopted {
  busInstance: string
  from: string
  slices: Array<{slice: string; label: string}>
  /** ms between the orphan mark and this adoption */
  afterMs: number
}

/**
 * Adopt the orphaned bus instances `by` this host: each is created in this host's state (BI_CREATE) and every slice
 * it holds registered into it (ENTITY_REG); the ledger names this host and keeps every slice where it was.
 */
export function adoptOrphans(ledgerIn: Ledger, hostIn: HostState, self: string, now: number, which: (b: {orphaned?: {by: string}}) => boolean = (b) => b.orphaned?.by === self): {ledger: Ledger; host: HostState; adopted: Adopted[]} {
  const ledger = structuredClone(ledgerIn)
  const host = structuredClone(hostIn)
  const adopted: Adopted[] = []
  for (const b of ledger.busInstances) {
    if (!b.orphaned || !which(b)) continue
    const bi = findInstance(host, b.guid) ?? createBusInstance(host, {guid: b.guid, ...(b.upi ? {upi: b.upi} : {})})
    const slices: Adopted['slices'] = []
    for (const card of ledger.cards)
      for (const s of card.slices) {
        if (s.owner?.busInstance !== b.guid) continue
        const e = host.entities.find((x) => x.guid === s.guid)
        if (e && s.state !== 'failed' && e.instanceEid !== bi.eid) entityReg(host, entityRegFor(e, bi.eid))
        slices.push({slice: s.id, label: ownerLabel(s.owner)})
      }
    adopted.push({busInstance: b.guid, from: b.orphaned.from, slices, afterMs: now - b.orphaned.at})
    b.eid = bi.eid
    b.host = self
    delete b.orphaned
  }
  return {ledger: adopted.length ? bump(ledger) : ledger, host, adopted}
}

/**
 * A failed card's slices held by this host's bus instances that could not move when the card failed (another
 * host ran `pool fail`, whose host state does not have them; or there was no room then): re-homed now where
 * capacity allows, each an ENTITY_RLS + ENTITY_REG on this host, keeping owner, share and group.
 */
export function rehomeStranded(ledgerIn: Ledger, hostIn: HostState, hostId: string, now: number): {ledger: Ledger; host: HostState; moves: Move[]} {
  const ledger = structuredClone(ledgerIn)
  const host = structuredClone(hostIn)
  const mine = new Set(ledger.busInstances.filter((b) => (b.host ?? hostId) === hostId && !b.orphaned).map((b) => b.guid))
  const moves: Move[] = []
  for (const card of ledger.cards) {
    if (card.state !== 'failed') continue
    for (const s of card.slices) {
      if (!s.owner || s.state !== 'failed' || !mine.has(s.owner.busInstance)) continue
      const owner = {...s.owner}
      try {
        const dest = destinationFor(ledger, host, card, s)
        const reason = `${card.id} failed: ${ownerLabel(owner)} → ${dest.card.id} (${dest.reason}), by host ${hostId}`
        const move: Move = {from: s.id, to: dest.slice.id, fromGuid: s.guid, toGuid: dest.slice.guid, fromCard: card.id, toCard: dest.card.id, owner, bandwidthMbps: s.loadMbps ?? s.reserved?.bandwidthMbps ?? 0, queues: s.reserved?.queues ?? 0, reason}
        applyMove(ledger, host, s.id, dest.slice.id, now)
        moves.push(move)
      } catch (error) {
        if (!(error instanceof PoolError)) throw error
      }
    }
  }
  return {ledger: moves.length ? bump(ledger) : ledger, host, moves}
}

/**
 * A host back after its bus instances were re-homed elsewhere (its lease expired): its own state still has them.
 * They are released here (ENTITY_RLS of what is registered in them, then BI_DESTROY) unless a VM holds one.
 */
export function dropForeign(ledger: Ledger, hostIn: HostState, hostId: string): {host: HostState; dropped: string[]} {
  const foreign = foreignBusInstances(ledger, hostId)
  const host = structuredClone(hostIn)
  const dropped: string[] = []
  for (const bi of [...host.instances]) {
    if (!foreign.has(bi.guid) || bi.lockedBy) continue
    for (const e of host.entities) if (e.instanceEid === bi.eid && e.pooled) entityRls(host, e.eid)
    destroyBusInstance(host, bi.guid)
    dropped.push(bi.guid)
  }
  return {host, dropped}
}

export type ChangeKind = 'alloc' | 'free' | 'fail' | 'move' | 'state' | 'card' | 'orphaned' | 'rehomed'

export interface LedgerChange {
  /** etcd revision of the commit */
  revision: string
  kind: ChangeKind
  subject: string
  detail: string
  owner?: SliceOwner
  from?: string
  to?: string
}

const heldText = (o: SliceOwner) => (o.vm ? `allocated to ${ownerLabel(o)} in bus instance ${o.busInstance}` : `allocated to bus instance ${o.busInstance}`)

/** What one commit changed, slice by slice (a release and a take of the same owner in one commit is a move). */
export function describeCommit(revision: string, cards: Array<{before?: Card; after?: Card}>, bis: {before: Ledger['busInstances']; after: Ledger['busInstances']}): LedgerChange[] {
  const out: LedgerChange[] = []
  const released: LedgerChange[] = []
  const taken: LedgerChange[] = []
  for (const {before, after} of cards) {
    if (!after) continue
    if (!before) {
      // a card entering the ledger (first use, import): one line, plus what it already holds
      out.push({revision, kind: 'card', subject: after.id, detail: `in the ledger: ${after.slices.length} slice(s), ${after.state}`})
      for (const s of after.slices) if (s.owner) taken.push({revision, kind: 'alloc', subject: s.id, detail: heldText(s.owner), owner: s.owner})
      continue
    }
    if (before && before.state !== after.state) out.push({revision, kind: after.state === 'failed' ? 'fail' : 'card', subject: after.id, detail: `card ${before.state} → ${after.state}`})
    const old = new Map((before?.slices ?? []).map((s) => [s.id, s]))
    for (const s of after.slices) {
      const p = old.get(s.id)
      const was = p?.owner ? ownerLabel(p.owner) + ' ' + p.owner.busInstance : ''
      const now = s.owner ? ownerLabel(s.owner) + ' ' + s.owner.busInstance : ''
      if (was === now && p?.state === s.state) continue
      if (!p?.owner && s.owner) taken.push({revision, kind: 'alloc', subject: s.id, detail: heldText(s.owner), owner: s.owner})
      else if (p?.owner && !s.owner) released.push({revision, kind: 'free', subject: s.id, detail: `freed (was ${ownerLabel(p.owner)})`, owner: p.owner})
      else if (s.state === 'failed' && p?.state !== 'failed') out.push({revision, kind: 'fail', subject: s.id, detail: `failed${s.owner ? ` (held by ${ownerLabel(s.owner)})` : ''}`})
      else out.push({revision, kind: 'state', subject: s.id, detail: `${p?.state ?? 'new'} → ${s.state}`})
    }
  }
  const same = (a?: SliceOwner, b?: SliceOwner) => !!a && !!b && a.busInstance === b.busInstance && a.vm === b.vm && a.device === b.device && a.member === b.member
  for (const r of released) {
    const t = taken.findIndex((x) => same(x.owner, r.owner))
    if (t < 0) {
      out.push(r)
      continue
    }
    const [to] = taken.splice(t, 1)
    out.push({revision, kind: 'move', subject: ownerLabel(r.owner!), detail: `${r.subject} → ${to.subject}`, owner: r.owner, from: r.subject, to: to.subject})
  }
  for (const t of taken) out.push(t)
  const prior = new Map(bis.before.map((b) => [b.guid, b]))
  for (const b of bis.after) {
    const p = prior.get(b.guid)
    if (b.orphaned && !p?.orphaned) out.push({revision, kind: 'orphaned', subject: b.guid, detail: `host ${b.orphaned.from} lost; agent ${b.orphaned.by} re-homes it`, from: b.orphaned.from})
    if (p?.orphaned && !b.orphaned) out.push({revision, kind: 'rehomed', subject: b.guid, detail: `re-homed from ${p.orphaned.from} to ${b.host}`, from: p.orphaned.from, to: b.host})
  }
  return out
}

/** A ledger document (pool import) checked enough to be stored: shape, unique card ids that can be keys. */
export function checkLedgerDocument(value: unknown): Ledger {
  const bad = (why: string) => new PoolError(`not a pool ledger: ${why}`)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not a JSON object')
  const l = value as Partial<Ledger>
  if (l.version !== 1) throw bad(`version ${JSON.stringify(l.version)} (ubmgr knows 1)`)
  if (!Number.isSafeInteger(l.revision) || !Number.isSafeInteger(l.nextBusInstance)) throw bad('revision and nextBusInstance must be integers')
  if (typeof l.fabric !== 'string') throw bad('fabric must be a string')
  if (!Array.isArray(l.cards) || !Array.isArray(l.busInstances)) throw bad('cards and busInstances must be arrays')
  const ids = new Set<string>()
  for (const c of l.cards) {
    if (typeof c?.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(c.id)) throw bad(`card id ${JSON.stringify(c?.id)}`)
    if (ids.has(c.id)) throw bad(`card ${c.id} twice`)
    ids.add(c.id)
    if (!Array.isArray(c.slices) || !Number.isSafeInteger(c.revision)) throw bad(`card ${c.id}: slices and revision`)
  }
  return l as Ledger
}
