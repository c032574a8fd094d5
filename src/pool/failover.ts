// N-1 (ubmgr's design; UBSE's design goal is "pooled-resource faults do not spread"): a failed card's held slices
// are re-homed to other cards where capacity allows, keeping owner, share and group; those that cannot move stay
// on the failed card, marked failed, still held (their VM runs degraded until restore or a free card); free slices
// are marked failed; nothing on any other card changes. Restore brings the card back: stranded slices are held
// again, the others free.
//
// Detection in the model [INF]: a health poll of every card (interval `pollMs`, 100 ms like bonding's miimon)
// plus `downDelayMs` before the card is declared failed. Re-homing time is what the guest side takes (the
// backend adds the simulated hot-unplug and hot-plug of each moved device).
import type {HostState} from '../sim/host/model.js'
import {PoolError} from './errors.js'
import {bump, findCard, ownerLabel, type Ledger, type SliceOwner} from './ledger.js'
import {applyMove, destinationFor, type Move} from './move.js'

export interface DetectionModel {
  pollMs: number
  downDelayMs: number
}

export const DEFAULT_DETECTION: DetectionModel = {pollMs: 100, downDelayMs: 0}

export interface Affected {
  slice: string
  owner: SliceOwner
  label: string
  outcome: 'rehomed' | 'stranded'
  to?: string
  why?: string
}

export interface FailReport {
  card: string
  affected: Affected[]
  moves: Move[]
  /** held slices on other cards, none of which changed */
  untouched: number
  detectMs: number
  ledger: Ledger
  host: HostState
}

export function failCard(ledgerIn: Ledger, hostIn: HostState, cardId: string, opts: {now: number; detection?: Partial<DetectionModel>}): FailReport {
  const detection = {...DEFAULT_DETECTION, ...opts.detection}
  const ledger = structuredClone(ledgerIn)
  const host = structuredClone(hostIn)
  const card = findCard(ledger, cardId)
  if (card.state === 'failed') throw new PoolError(`card ${cardId} is already failed`)
  card.state = 'failed'
  card.revision++
  const affected: Affected[] = []
  const moves: Move[] = []
  for (const s of [...card.slices]) {
    if (!s.owner) {
      s.state = 'failed'
      continue
    }
    const owner = {...s.owner}
    // the placement skips failed cards, so the slice looks for a home elsewhere
    try {
      const dest = destinationFor(ledger, host, card, s)
      const move: Move = {
        from: s.id,
        to: dest.slice.id,
        fromGuid: s.guid,
        toGuid: dest.slice.guid,
        fromCard: card.id,
        toCard: dest.card.id,
        owner,
        bandwidthMbps: s.loadMbps ?? s.reserved?.bandwidthMbps ?? 0,
        queues: s.reserved?.queues ?? 0,
        reason: `${card.id} failed: ${ownerLabel(owner)} → ${dest.card.id} (${dest.reason})`,
      }
      applyMove(ledger, host, s.id, dest.slice.id, opts.now)
      moves.push(move)
      affected.push({slice: s.id, owner, label: ownerLabel(owner), outcome: 'rehomed', to: dest.slice.id})
    } catch (error) {
      if (!(error instanceof PoolError)) throw error
      s.state = 'failed'
      affected.push({slice: s.id, owner, label: ownerLabel(owner), outcome: 'stranded', why: [error.message, ...error.hints].join('; ')})
    }
  }
  const untouched = ledger.cards.filter((c) => c.id !== cardId).reduce((n, c) => n + c.slices.filter((s) => s.owner).length, 0) - moves.length
  bump(ledger)
  return {card: cardId, affected, moves, untouched, detectMs: detection.pollMs + detection.downDelayMs, ledger, host}
}

export interface RestoreReport {
  card: string
  /** slices held again (they stayed with their VM while the card was down) */
  recovered: Array<{slice: string; label: string}>
  freed: number
  ledger: Ledger
}

export function restoreCard(ledgerIn: Ledger, cardId: string): RestoreReport {
  const ledger = structuredClone(ledgerIn)
  const card = findCard(ledger, cardId)
  if (card.state === 'ok') throw new PoolError(`card ${cardId} is not failed or draining`)
  card.state = 'ok'
  card.revision++
  const recovered: RestoreReport['recovered'] = []
  let freed = 0
  for (const s of card.slices) {
    if (s.owner) {
      if (s.state === 'failed') recovered.push({slice: s.id, label: ownerLabel(s.owner)})
      s.state = 'allocated'
    } else {
      s.state = 'free'
      freed++
    }
  }
  bump(ledger)
  return {card: cardId, recovered, freed, ledger}
}

/** Draining: no new allocations; the rebalancer moves its slices off. */
export function drainCard(ledgerIn: Ledger, cardId: string): Ledger {
  const ledger = structuredClone(ledgerIn)
  const card = findCard(ledger, cardId)
  if (card.state !== 'ok') throw new PoolError(`card ${cardId} is ${card.state}`)
  card.state = 'draining'
  card.revision++
  for (const s of card.slices) if (s.state === 'allocated') s.state = 'draining'
  return bump(ledger)
}
