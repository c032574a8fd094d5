// Re-homing: an allocation moves from its slice to a free slice of another card, keeping its owner (VM device,
// bus instance, group) and its share. On the host it is ENTITY_RLS of the old entity and ENTITY_REG of the new
// one into the same bus instance; the guest side (hot-unplug and hot-plug of the device) is the backend's.
// Used by the rebalancer (load) and by failover (a failed card). ubmgr's design.
import type {HostState} from '../sim/host/model.js'
import {findInstance} from '../sim/host/instances.js'
import {entityReg, entityRegFor, entityRls} from './entity-reg.js'
import {PoolError} from './errors.js'
import {findSlice, release, take, type Card, type Ledger, type Slice, type SliceOwner} from './ledger.js'
import {place, type PlacementContext, type PoolRequest} from './placement.js'
import {consumerContext} from './alloc.js'

export interface Move {
  from: string
  to: string
  fromGuid: string
  toGuid: string
  fromCard: string
  toCard: string
  owner: SliceOwner
  bandwidthMbps: number
  queues: number
  reason: string
}

/** The placement request that would re-place a held slice elsewhere. */
export function requestFor(card: Card, slice: Slice): PoolRequest {
  const o = slice.owner!
  return {name: o.device ?? slice.id, class: card.class, need: {...slice.reserved!}, vendor: card.vendor, ...(o.group ? {group: o.group} : {})}
}

/** Placement context for moving a slice: its consumer's node, and its group's other cards avoided. */
export function moveContext(ledger: Ledger, host: HostState, card: Card, slice: Slice): PlacementContext {
  const ctx = consumerContext(host, slice.owner!.busInstance)
  ctx.exclude = new Set([card.id])
  const group = slice.owner!.group
  if (group)
    for (const c of ledger.cards)
      for (const s of c.slices)
        if (s !== slice && s.owner?.group === group && s.owner.vm === slice.owner!.vm && s.owner.busInstance === slice.owner!.busInstance) {
          const used = ctx.groups.get(group) ?? {domains: [], cards: new Set<string>()}
          used.domains.push(c.domain)
          used.cards.add(c.id)
          ctx.groups.set(group, used)
        }
  return ctx
}

/** Where a held slice could go (throws the placement's refusal). */
export function destinationFor(ledger: Ledger, host: HostState, card: Card, slice: Slice): {card: Card; slice: Slice; reason: string} {
  return place(ledger, requestFor(card, slice), moveContext(ledger, host, card, slice))
}

/** Apply a move to the ledger and the host (in place). */
export function applyMove(ledger: Ledger, host: HostState, fromId: string, toId: string, now: number): void {
  const from = findSlice(ledger, fromId)
  const to = findSlice(ledger, toId)
  const owner = from.slice.owner
  if (!owner) throw new PoolError(`${fromId} is not held: nothing to move`)
  const bi = findInstance(host, owner.busInstance)
  if (!bi) throw new PoolError(`${fromId}: bus instance ${owner.busInstance} is not on the host`)
  const target = host.entities.find((e) => e.guid === to.slice.guid)
  if (!target) throw new PoolError(`${toId}: no entity ${to.slice.guid} on the host`)
  const need = {...from.slice.reserved!}
  const load = from.slice.loadMbps
  take(to.card, to.slice, owner, need)
  entityReg(host, entityRegFor(target, bi.eid, bi.upi))
  if (load !== undefined) to.slice.loadMbps = load
  to.slice.movedAt = now
  entityRls(host, from.slice.eid)
  release(from.card, from.slice)
}
