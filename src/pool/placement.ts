// Placement of one pool request on a slice (ubmgr's design; UBPRM's policy is not public). Capacity first: only
// cards that are ok, of the asked class and vendor, with a free slice and the asked share free. Then locality:
// cards in the consumer's node first. Then spreading, where asked: members of a fusion device or of an
// antiAffinity group never share a card, and prefer a node, then a slot, none of them uses yet. Then fewest hops
// in the fabric, then the tightest fit (keeps whole cards free for big requests), then the card id.
import type {PoolClass} from '../definition/types.js'
import {PoolError} from './errors.js'
import {checkTake, fits, formatBandwidth, formatCapacity, freeOn, type Capacity, type Card, type FailureDomain, type Ledger, type Slice} from './ledger.js'

export interface PoolRequest {
  /** the device (or member) name the request is for */
  name: string
  class: PoolClass
  need: Capacity
  vendor?: number
  /** requests sharing a group never share a card and spread across failure domains */
  group?: string
  /** ask for a whole card (its PFE) */
  whole?: boolean
}

export interface PlacementContext {
  /** the node the consumer (the VM's bus controller) sits in */
  node: string
  /** fabric hops from the consumer to a slice's entity */
  hops: (slice: Slice) => number
  /** cards and failure domains already used by each group */
  groups: Map<string, {domains: FailureDomain[]; cards: Set<string>}>
  /** cards the caller excludes (e.g. the card a slice is moving off) */
  exclude?: Set<string>
}

export interface Placement {
  card: Card
  slice: Slice
  /** why this slice: locality, spreading, hops, fit */
  reason: string
}

export function newContext(node: string, hops: (slice: Slice) => number): PlacementContext {
  return {node, hops, groups: new Map()}
}

/** Record a placement so the group's next members avoid its card and failure domain. */
export function remember(ctx: PlacementContext, req: PoolRequest, p: Placement): void {
  if (!req.group) return
  const used = ctx.groups.get(req.group) ?? {domains: [], cards: new Set<string>()}
  used.domains.push(p.card.domain)
  used.cards.add(p.card.id)
  ctx.groups.set(req.group, used)
}

function candidateSlice(card: Card, req: PoolRequest): Slice | undefined {
  const free = card.slices.filter((s) => s.state === 'free')
  const vfe = free.find((s) => s.type === 'VFE')
  const pfe = free.find((s) => s.type === 'PFE')
  const pick = req.whole ? pfe : (vfe ?? (card.slices.some((s) => s.type === 'VFE') ? undefined : pfe))
  if (!pick) return undefined
  try {
    checkTake(card, pick, req.need)
    return pick
  } catch {
    return undefined
  }
}

const matches = (card: Card, req: PoolRequest) => card.class === req.class && (req.vendor === undefined || card.vendor === req.vendor)

export function place(ledger: Ledger, req: PoolRequest, ctx: PlacementContext): Placement {
  const used = req.group ? ctx.groups.get(req.group) : undefined
  let best: {key: number[]; p: Placement} | undefined
  for (const card of ledger.cards) {
    if (!matches(card, req) || ctx.exclude?.has(card.id) || used?.cards.has(card.id)) continue
    const slice = candidateSlice(card, req)
    if (!slice) continue
    const local = card.domain.node === ctx.node ? 0 : 1
    const spread = used ? spreadPenalty(card.domain, used.domains) : 0
    const hops = ctx.hops(slice)
    const leftover = freeOn(card).bandwidthMbps - req.need.bandwidthMbps
    const key = [local, spread, hops, leftover]
    if (!best || less(key, best.key)) best = {key, p: {card, slice, reason: reasonOf(card, ctx, spread, hops, used !== undefined)}}
  }
  if (!best) throw refusal(ledger, req, ctx)
  return best.p
}

function spreadPenalty(d: FailureDomain, used: FailureDomain[]): number {
  if (used.some((u) => u.node === d.node && u.slot === d.slot)) return 2
  if (used.some((u) => u.node === d.node)) return 1
  return 0
}

const less = (a: number[], b: number[]) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i]
  return false
}

function reasonOf(card: Card, ctx: PlacementContext, spread: number, hops: number, grouped: boolean): string {
  const parts = [card.domain.node === ctx.node ? `same node ${ctx.node}` : `node ${card.domain.node}`, `${hops} hops`]
  if (grouped) parts.push(spread === 0 ? 'a failure domain its group does not use' : spread === 1 ? 'its group’s node, another slot' : 'its group’s slot (nothing else free)')
  parts.push(`${formatCapacity(freeOn(card))} free`)
  return parts.join(', ')
}

/** The refusal: what was asked, what is free of that class, and the nearest fit. */
function refusal(ledger: Ledger, req: PoolRequest, ctx: PlacementContext): PoolError {
  const asked = `${req.need.bandwidthMbps ? formatBandwidth(req.need.bandwidthMbps) : 'any bandwidth'}, ${req.need.queues || 'any'} queues${req.need.compute ? `, ${req.need.compute} cores` : ''}${req.vendor !== undefined ? `, vendor 0x${req.vendor.toString(16).padStart(4, '0')}` : ''}${req.whole ? ', a whole card' : ''}`
  const ofClass = ledger.cards.filter((c) => c.class === req.class)
  const hints: string[] = []
  if (ofClass.length === 0) hints.push(`the pool has no ${req.class} card`)
  else {
    const states = ofClass.filter((c) => c.state !== 'ok')
    const withSlice = ofClass.filter((c) => c.state === 'ok' && c.slices.some((s) => s.state === 'free'))
    const freeBw = withSlice.reduce((n, c) => n + freeOn(c).bandwidthMbps, 0)
    hints.push(`free: ${withSlice.length} of ${ofClass.length} ${req.class} cards have a free slice, ${formatBandwidth(freeBw)} in all${states.length ? `; ${states.map((c) => `${c.id} ${c.state}`).join(', ')}` : ''}`)
    const near = withSlice
      .filter((c) => !ctx.exclude?.has(c.id))
      .map((c) => ({c, short: shortfall(freeOn(c), req.need)}))
      .sort((a, b) => a.short.score - b.short.score || a.c.id.localeCompare(b.c.id))[0]
    if (near) hints.push(`nearest fit: ${near.c.id} (${formatCapacity(freeOn(near.c))} free${near.short.text ? `; short ${near.short.text}` : ''}${sharesGroup(ctx, req, near.c) ? `; already holds a member of ${req.group}` : ''})`)
    if (req.need.bandwidthMbps > ofClass.reduce((m, c) => Math.max(m, c.capacity.bandwidthMbps), 0))
      hints.push(`no single ${req.class} card has ${formatBandwidth(req.need.bandwidthMbps)}: a fusion device over several cards can`)
  }
  return new PoolError(`no free pooled ${req.class} satisfies ${req.name} (asked ${asked})`, hints)
}

const sharesGroup = (ctx: PlacementContext, req: PoolRequest, c: Card) => Boolean(req.group && ctx.groups.get(req.group)?.cards.has(c.id))

function shortfall(free: Capacity, need: Capacity): {score: number; text: string} {
  if (fits(need, free)) return {score: 0, text: ''}
  const bw = Math.max(0, need.bandwidthMbps - free.bandwidthMbps)
  const q = Math.max(0, need.queues - free.queues)
  const cpu = Math.max(0, need.compute - free.compute)
  const text = [bw ? formatBandwidth(bw) : '', q ? `${q} queues` : '', cpu ? `${cpu} cores` : ''].filter(Boolean).join(', ')
  return {score: bw / 1000 + q + cpu, text}
}
