// Load-driven M:N (ubmgr's design; UBPRM's policy is not public). Slices carry a measured load; a card whose load
// is above the high watermark sheds slices, heaviest first, to cards of its class that stay at or below the
// target after taking them (capacity, locality and groups as in placement). Hysteresis, so it never flaps: the
// target is well below the high watermark (a move never creates a new hot card), a slice moved less than the
// cooldown ago stays put, and a move must leave the source cooler than it was by at least `minGainPct`. Draining
// cards are emptied whatever their load, cooldown or not. Every move carries its slice's bandwidth and queue share.
import type {HostState} from '../sim/host/model.js'
import {formatBandwidth, loadOn, ownerLabel, type Card, type Ledger, type Slice} from './ledger.js'
import {applyMove, destinationFor, type Move} from './move.js'

export interface RebalancePolicy {
  /** a card above this fraction of its bandwidth is overloaded */
  high: number
  /** a destination must stay at or below this fraction after the move */
  target: number
  /** a slice moved less than this long ago (ms) is not moved again */
  cooldownMs: number
  /** a move must lower the source by at least this many percentage points */
  minGainPct: number
}

export const DEFAULT_POLICY: RebalancePolicy = {high: 0.8, target: 0.65, cooldownMs: 3_600_000, minGainPct: 5}

export const utilization = (card: Card) => (card.capacity.bandwidthMbps > 0 ? loadOn(card) / card.capacity.bandwidthMbps : 0)
const pct = (x: number) => `${Math.round(x * 100)}%`
const sliceLoad = (s: Slice) => s.loadMbps ?? s.reserved?.bandwidthMbps ?? 0

export interface RebalancePlan {
  moves: Move[]
  /** cards still above the high watermark, and why nothing more could move */
  stuck: Array<{card: string; utilization: number; why: string}>
  ledger: Ledger
  host: HostState
}

/** Plan (and apply to copies) the moves that bring every card under the high watermark. */
export function rebalance(ledgerIn: Ledger, hostIn: HostState, opts: {now: number; policy?: Partial<RebalancePolicy>; movable?: (s: Slice) => boolean}): RebalancePlan {
  const policy = {...DEFAULT_POLICY, ...opts.policy}
  const ledger = structuredClone(ledgerIn)
  const host = structuredClone(hostIn)
  const moves: Move[] = []
  const stuck: RebalancePlan['stuck'] = []
  const done = new Set<string>()
  for (;;) {
    const hot = ledger.cards
      .filter((c) => !done.has(c.id) && ((c.state === 'ok' && utilization(c) > policy.high) || (c.state === 'draining' && c.slices.some((s) => s.owner))))
      .sort((a, b) => Number(b.state === 'draining') - Number(a.state === 'draining') || utilization(b) - utilization(a) || a.id.localeCompare(b.id))[0]
    if (!hot) break
    const move = shedOne(ledger, host, hot, policy, opts.now, opts.movable)
    if (typeof move === 'string') {
      done.add(hot.id)
      stuck.push({card: hot.id, utilization: utilization(hot), why: move})
      continue
    }
    moves.push(move)
    applyMove(ledger, host, move.from, move.to, opts.now)
  }
  return {moves, stuck, ledger, host}
}

/** One move off a hot or draining card, or why none is possible. */
function shedOne(ledger: Ledger, host: HostState, card: Card, policy: RebalancePolicy, now: number, movable?: (s: Slice) => boolean): Move | string {
  const draining = card.state === 'draining'
  const before = utilization(card)
  const held = card.slices.filter((s) => s.owner && (s.state === 'allocated' || s.state === 'draining') && s.type === 'VFE')
  // a shared ledger: only this host's slices move here (another host's state would have to change)
  if (movable && held.length > 0 && !held.some(movable)) return 'its slices are other hosts\' (their own pool rebalance moves them)'
  const candidates = held
    .filter((s) => !movable || movable(s))
    .filter((s) => draining || s.movedAt === undefined || now - s.movedAt >= policy.cooldownMs)
    .sort((a, b) => sliceLoad(b) - sliceLoad(a) || a.id.localeCompare(b.id))
  if (candidates.length === 0) return draining ? 'its held slices cannot move (a PFE holds the card whole)' : `every slice on it moved less than ${policy.cooldownMs / 60000} min ago, or it is held whole`
  const reasons: string[] = []
  for (const s of candidates) {
    const load = sliceLoad(s)
    const gain = card.capacity.bandwidthMbps > 0 ? (load / card.capacity.bandwidthMbps) * 100 : 0
    if (!draining && gain < policy.minGainPct) {
      reasons.push(`${s.id} carries ${formatBandwidth(Math.round(load))}, under the ${policy.minGainPct}-point minimum gain`)
      continue
    }
    let dest
    try {
      dest = destinationFor(ledger, host, card, s)
    } catch (error) {
      reasons.push(`${s.id}: ${(error as Error).message}`)
      continue
    }
    const after = (loadOn(dest.card) + load) / dest.card.capacity.bandwidthMbps
    if (after > policy.target) {
      // the nearest card would end too hot: take the nearest one that stays under the target
      const cooler = nearestUnderTarget(ledger, host, card, s, load, policy)
      if (!cooler) {
        reasons.push(`${s.id}: no ${card.class} card would stay at or below ${pct(policy.target)} with ${formatBandwidth(Math.round(load))} more`)
        continue
      }
      dest = cooler
    }
    const destAfter = (loadOn(dest.card) + load) / dest.card.capacity.bandwidthMbps
    const why = draining
      ? `${card.id} is draining`
      : `${card.id} at ${pct(before)} > ${pct(policy.high)} high watermark`
    return {
      from: s.id,
      to: dest.slice.id,
      fromGuid: s.guid,
      toGuid: dest.slice.guid,
      fromCard: card.id,
      toCard: dest.card.id,
      owner: {...s.owner!},
      bandwidthMbps: Math.round(load),
      queues: s.reserved?.queues ?? 0,
      reason: `${why}: ${ownerLabel(s.owner!)} (${formatBandwidth(Math.round(load))}, ${s.reserved?.queues ?? 0} queues) → ${dest.card.id} (${pct(loadOn(dest.card) / dest.card.capacity.bandwidthMbps)} → ${pct(destAfter)}); ${card.id} → ${pct(before - load / card.capacity.bandwidthMbps)}`,
    }
  }
  return reasons.slice(0, 3).join('; ')
}

/** The nearest card in placement order that stays at or below the target with the slice on it. */
function nearestUnderTarget(ledger: Ledger, host: HostState, card: Card, s: Slice, load: number, policy: RebalancePolicy) {
  const saved = ledger.cards.map((c) => c.state)
  try {
    // hide, one by one, the cards that would end above target and ask the placement again
    for (;;) {
      let dest
      try {
        dest = destinationFor(ledger, host, card, s)
      } catch {
        return undefined
      }
      if ((loadOn(dest.card) + load) / dest.card.capacity.bandwidthMbps <= policy.target) return dest
      dest.card.state = 'draining'
    }
  } finally {
    ledger.cards.forEach((c, i) => (c.state = saved[i]))
  }
}
