// pool check: the ledger reconciled with the host and the domains. Every slice held must be registered into an
// existing bus instance on the host and, when a VM holds it, be that running VM's device with that GUID; every
// pooled entity the host has bound to a dynamic bus instance must be a slice the ledger says is held there; no
// GUID is used by two domains; no bus instance is left with nothing in it. Anything else is a leak or a mismatch.
import type {UbVmDefinition} from '../definition/types.js'
import {findInstance, instanceByEid, isDynamic} from '../sim/host/instances.js'
import type {HostState} from '../sim/host/model.js'
import {entityRegCheck, entityRegFor} from './entity-reg.js'
import {formatCapacity, ownerLabel, reservedOn, type Ledger, type Slice} from './ledger.js'

export interface DomainView {
  name: string
  running: boolean
  /** the running definition (null when shut off) */
  live: UbVmDefinition | null
}

export type ProblemKind = 'leak' | 'mismatch' | 'double' | 'capacity' | 'state' | 'unregistered'

export interface PoolProblem {
  kind: ProblemKind
  subject: string
  message: string
}

export interface CheckReport {
  problems: PoolProblem[]
  cards: number
  slices: number
  held: number
  busInstances: number
}

/** GUIDs a running definition passes through, with where each is used. */
function usedGuids(d: DomainView): Array<{guid: string; device: string; member?: number}> {
  if (!d.live?.ub) return []
  const out: Array<{guid: string; device: string; member?: number}> = []
  for (const dev of d.live.ub.devices ?? []) if (dev.host) out.push({guid: dev.host.guid.toLowerCase(), device: dev.name})
  for (const f of d.live.ub.fusion ?? []) f.members.forEach((m, i) => m.host && out.push({guid: m.host.guid.toLowerCase(), device: f.name, member: i}))
  return out
}

export function reconcile(ledger: Ledger, host: HostState, domains: DomainView[]): CheckReport {
  const problems: PoolProblem[] = []
  const report = (kind: ProblemKind, subject: string, message: string): void => {
    problems.push({kind, subject, message})
  }
  const byName = new Map(domains.map((d) => [d.name, d]))
  const heldBy = new Map<string, Slice>()

  for (const card of ledger.cards) {
    const reserved = reservedOn(card)
    if (card.state === 'ok' && (reserved.bandwidthMbps > card.capacity.bandwidthMbps || reserved.queues > card.capacity.queues))
      report('capacity', card.id, `reserved ${formatCapacity(reserved)} exceeds the card's ${formatCapacity(card.capacity)}`)
    const held = card.slices.filter((s) => s.owner)
    if (held.some((s) => s.type === 'PFE') && held.length > 1) report('state', card.id, 'its PFE and other slices are held at once')
    for (const s of card.slices) {
      if ((s.state === 'allocated' || s.state === 'draining') && !s.owner) report('state', s.id, `${s.state} but held by nobody`)
      if (s.state === 'free' && s.owner) report('state', s.id, `free but held by ${ownerLabel(s.owner)}`)
      if (card.state === 'failed' && s.state !== 'failed') report('state', s.id, `card ${card.id} is failed but the slice is ${s.state}`)
      if (s.owner) heldBy.set(s.guid, s)
      if (s.owner) checkHeld(s)
    }
  }

  function checkHeld(s: Slice): void {
    const o = s.owner!
    const bi = findInstance(host, o.busInstance)
    if (!bi) return report('leak', s.id, `held by bus instance ${o.busInstance}, which does not exist on the host`)
    if (!ledger.busInstances.some((b) => b.guid === o.busInstance)) report('mismatch', s.id, `held by bus instance ${o.busInstance}, which the ledger does not record`)
    const e = host.entities.find((x) => x.guid === s.guid)
    if (!e) return report('mismatch', s.id, `entity ${s.guid} is not on the host`)
    if (s.state !== 'failed' && e.instanceEid !== bi.eid) report('mismatch', s.id, `the host has ${s.guid} in bus instance ${instanceByEid(host, e.instanceEid)?.guid ?? 'none'}, the ledger in ${o.busInstance}`)
    if (!o.vm) return
    const d = byName.get(o.vm)
    if (!d || !d.running) return report('leak', s.id, `held by ${ownerLabel(o)}, but domain '${o.vm}' is ${d ? 'not running' : 'not defined'}`)
    const use = usedGuids(d).find((u) => u.device === o.device && u.member === o.member)
    if (!use) return report('leak', s.id, `held by ${ownerLabel(o)}, but the running domain has no such device`)
    if (use.guid !== s.guid) report('mismatch', s.id, `held by ${ownerLabel(o)}, but that device uses ${use.guid}`)
  }

  // pooled entities the host has in a dynamic bus instance must be held there in the ledger
  for (const e of host.entities) {
    if (!e.pooled && !e.pool) continue
    const bi = instanceByEid(host, e.instanceEid)
    const s = heldBy.get(e.guid)
    if (bi && isDynamic(bi) && (!s || s.owner!.busInstance !== bi.guid)) report('leak', e.guid, `registered into bus instance ${bi.guid} with no allocation in the ledger`)
    if (!ledger.cards.some((c) => c.slices.some((x) => x.guid === e.guid)) && e.pool) {
      const why = entityRegCheck(host, entityRegFor(e, e.instanceEid))
      report('unregistered', e.guid, `pooled entity of card ${e.pool.card} is not in the ledger${why ? ` (ENTITY_REG refused: ${why})` : ''}`)
    }
  }

  // a GUID is used by one running domain only, and a pooled one only with an allocation
  const users = new Map<string, string[]>()
  for (const d of domains)
    if (d.running)
      for (const u of usedGuids(d)) {
        users.set(u.guid, [...(users.get(u.guid) ?? []), `${d.name}/${u.device}${u.member !== undefined ? `[${u.member}]` : ''}`])
        const s = heldBy.get(u.guid)
        const pooled = ledger.cards.some((c) => c.slices.some((x) => x.guid === u.guid))
        if (pooled && (!s || s.owner!.vm !== d.name || s.owner!.device !== u.device)) report('leak', u.guid, `${d.name}/${u.device} uses pooled ${u.guid} without holding it (${s ? `held by ${ownerLabel(s.owner!)}` : 'free in the ledger'})`)
      }
  for (const [guid, who] of users) if (who.length > 1) report('double', guid, `used by ${who.join(' and ')}`)

  // bus instances: recorded ones exist; dynamic ones hold something or belong to a running VM
  for (const b of ledger.busInstances) if (!findInstance(host, b.guid)) report('leak', b.guid, 'recorded by the pool but not on the host')
  for (const bi of host.instances) {
    if (!isDynamic(bi)) continue
    const bound = host.entities.some((e) => e.instanceEid === bi.eid)
    const recorded = ledger.busInstances.some((b) => b.guid === bi.guid)
    if (!bound && !bi.lockedBy && !recorded) report('leak', bi.guid, 'dynamic bus instance with nothing bound and no VM')
    if (bi.lockedBy && !byName.get(bi.lockedBy)?.running) report('leak', bi.guid, `locked by '${bi.lockedBy}', which is not running`)
  }
  const slices = ledger.cards.reduce((n, c) => n + c.slices.length, 0)
  return {problems, cards: ledger.cards.length, slices, held: heldBy.size, busInstances: ledger.busInstances.length}
}
