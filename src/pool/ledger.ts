// The pool's ledger (UBPRM): every poolable card with its failure domain, class, capacity and slices, and who
// holds each slice. UBPRM has no public source: the ledger's shape and rules are ubmgr's design, in the words
// of UBSE (PFE/VFE, bus instance, {slot, chip, die, pf, vf}) and of the kernel's pool messages (entity-reg.ts).
// Plain JSON data: it lives in the store (key pool/ledger) and every change returns a new ledger.
import type {PoolClass} from '../definition/types.js'
import {PoolError} from './errors.js'

export type SliceType = 'PFE' | 'VFE'
export type CardState = 'ok' | 'failed' | 'draining'
export type SliceState = 'free' | 'allocated' | 'failed' | 'draining'

export interface Capacity {
  bandwidthMbps: number
  queues: number
  compute: number
}

/** Where a card sits: node (server or pool chassis), then slot, chip, die as UBSE addresses devices. */
export interface FailureDomain {
  node: string
  slot: number
  chip: number
  die: number
}

/** Who holds a slice: always a bus instance; a VM device when a domain asked for it. */
export interface SliceOwner {
  busInstance: string
  vm?: string
  device?: string
  /** fusion member index when the device is a fusion device */
  member?: number
  /** placement group (fusion device, antiAffinity): its slices never share a card, moves included */
  group?: string
}

export interface Slice {
  /** "<card>/pfe0", "<card>/vfe2" */
  id: string
  type: SliceType
  guid: string
  eid: number
  pf: number
  vf?: number
  state: SliceState
  owner?: SliceOwner
  /** the share of the card this slice holds while allocated */
  reserved?: Capacity
  /** measured load in Mbit/s (ubmgr pool load, or the simulator) */
  loadMbps?: number
  /** time (ms) of the last move of this allocation: the rebalancer's cooldown */
  movedAt?: number
}

export interface Card {
  id: string
  class: PoolClass
  /** from the host entity (configuration space class code) */
  classCode: number
  vendor: number
  domain: FailureDomain
  capacity: Capacity
  state: CardState
  /** bumped on every change of this card: a compare-and-swap store compares it (like Proxmox's digest) */
  revision: number
  slices: Slice[]
}

/** A bus instance the pool allocated into, with what UBSE's query_uba_tid_size reports for it. */
export interface PoolBusInstance {
  guid: string
  eid: number
  upi: number
  /** the pool created it (and destroys it when its last slice is freed) */
  createdByPool: boolean
  tid: number
  uba: string
  size: string
  /** shared (etcd) ledger: the host (pool join --host-id) whose VMs use this bus instance; absent in the embedded one */
  host?: string
  /** shared ledger: its host's lease expired; a surviving agent (`by`) re-homes it */
  orphaned?: {from: string; by: string; at: number}
}

export interface Ledger {
  version: 1
  /** bumped on every change of the ledger */
  revision: number
  fabric: string
  cards: Card[]
  busInstances: PoolBusInstance[]
  /** sequence for bus-instance GUIDs the pool makes ("new") */
  nextBusInstance: number
}

export const ZERO: Capacity = {bandwidthMbps: 0, queues: 0, compute: 0}

export function emptyLedger(fabric: string): Ledger {
  return {version: 1, revision: 0, fabric, cards: [], busInstances: [], nextBusInstance: 1}
}

export function findCard(ledger: Ledger, id: string): Card {
  const card = ledger.cards.find((c) => c.id === id)
  if (!card) throw new PoolError(`no card '${id}' in the pool`, [`cards: ${ledger.cards.map((c) => c.id).join(', ') || 'none'}`])
  return card
}

/** A slice by id ("pool-dpu-1/vfe2") or by GUID. */
export function findSlice(ledger: Ledger, key: string): {card: Card; slice: Slice} {
  const k = key.toLowerCase()
  for (const card of ledger.cards)
    for (const slice of card.slices) if (slice.id.toLowerCase() === k || slice.guid === k) return {card, slice}
  throw new PoolError(`no slice '${key}' in the pool`)
}

/** The slices a bus instance holds. */
export function slicesOf(ledger: Ledger, busInstance: string): Array<{card: Card; slice: Slice}> {
  const g = busInstance.toLowerCase()
  return ledger.cards.flatMap((card) => card.slices.filter((s) => s.owner?.busInstance === g).map((slice) => ({card, slice})))
}

/** What the card's slices hold (allocated, draining, or failed but still owned). */
export function reservedOn(card: Card): Capacity {
  return card.slices.reduce((sum, s) => (s.owner && s.reserved ? add(sum, s.reserved) : sum), {...ZERO})
}

/** Free capacity; none on a card that is not ok. */
export function freeOn(card: Card): Capacity {
  if (card.state !== 'ok') return {...ZERO}
  const r = reservedOn(card)
  return {bandwidthMbps: card.capacity.bandwidthMbps - r.bandwidthMbps, queues: card.capacity.queues - r.queues, compute: card.capacity.compute - r.compute}
}

/** Measured load of a card, Mbit/s (a slice with no measurement counts its reservation). */
export function loadOn(card: Card): number {
  return card.slices.reduce((sum, s) => (s.state === 'allocated' || s.state === 'draining' ? sum + (s.loadMbps ?? s.reserved?.bandwidthMbps ?? 0) : sum), 0)
}

export const add = (a: Capacity, b: Capacity): Capacity => ({bandwidthMbps: a.bandwidthMbps + b.bandwidthMbps, queues: a.queues + b.queues, compute: a.compute + b.compute})

export const fits = (need: Capacity, free: Capacity) => need.bandwidthMbps <= free.bandwidthMbps && need.queues <= free.queues && need.compute <= free.compute

/**
 * The slice-level rules every change keeps: a PFE holds the whole card, so it is taken only when no VFE is held,
 * and no VFE is taken while the PFE is held; nothing is taken from a failed or draining card; the reserved
 * shares never exceed the card's capacity.
 */
export function checkTake(card: Card, slice: Slice, need: Capacity): void {
  if (card.state !== 'ok') throw new PoolError(`card ${card.id} is ${card.state}: nothing can be allocated from it`)
  if (slice.state !== 'free') throw new PoolError(`slice ${slice.id} is ${slice.state}${slice.owner ? ` (held by ${ownerLabel(slice.owner)})` : ''}`)
  const held = card.slices.filter((s) => s.owner && s !== slice)
  if (slice.type === 'PFE' && held.length > 0) throw new PoolError(`slice ${slice.id} is the card's PFE: ${held.length} other slice(s) of ${card.id} are held`)
  const pfe = held.find((s) => s.type === 'PFE')
  if (pfe) throw new PoolError(`card ${card.id} is held whole through its PFE by ${ownerLabel(pfe.owner!)}`)
  const free = freeOn(card)
  if (!fits(need, free)) throw new PoolError(`card ${card.id} has ${formatCapacity(free)} free, ${formatCapacity(need)} asked`)
}

/** Mark a slice allocated (after checkTake); returns the changed card. */
export function take(card: Card, slice: Slice, owner: SliceOwner, need: Capacity): void {
  checkTake(card, slice, need)
  slice.state = 'allocated'
  slice.owner = {...owner, busInstance: owner.busInstance.toLowerCase()}
  slice.reserved = slice.type === 'PFE' ? {...card.capacity} : {...need}
  card.revision++
}

/** Give a slice back: free again, or still failed when its card is failed. */
export function release(card: Card, slice: Slice): void {
  delete slice.owner
  delete slice.reserved
  delete slice.loadMbps
  delete slice.movedAt
  slice.state = card.state === 'failed' ? 'failed' : 'free'
  card.revision++
}

export function ownerLabel(o: SliceOwner): string {
  return o.vm ? `${o.vm}/${o.device}${o.member !== undefined ? `[${o.member}]` : ''}` : `bus instance ${o.busInstance}`
}

export function formatBandwidth(mbps: number): string {
  return mbps % 1000 === 0 ? `${mbps / 1000}Gbit/s` : `${mbps}Mbit/s`
}

export function formatCapacity(c: Capacity): string {
  return `${formatBandwidth(c.bandwidthMbps)}, ${c.queues} queues${c.compute ? `, ${c.compute} cores` : ''}`
}

/** A ledger change: one revision more. */
export function bump(ledger: Ledger): Ledger {
  ledger.revision++
  return ledger
}

/** Cards whose revision differs between two ledgers (what a compare-and-swap store writes). */
export function changedCards(before: Ledger | undefined, after: Ledger): string[] {
  const old = new Map((before?.cards ?? []).map((c) => [c.id, c.revision]))
  return after.cards.filter((c) => old.get(c.id) !== c.revision).map((c) => c.id)
}
