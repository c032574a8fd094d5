// Pooled entities enter and leave a host with the kernel's pool messages (drivers/ub/ubus/pool.c):
// ENTITY_REG {guid, eid, ueid, cna, upi, entity_idx, ers[3]{sa, ss}} registers a pooled device bound to the bus
// instance whose eid is its user eid; ENTITY_RLS {eid} destroys it. The checks and their messages are the
// kernel's (ub_entity_reg_check, ub_entity_reg_msg_handler, ub_entity_rls_msg_handler); the response statuses are
// UB_MSG_RSP_* from msg.h. The pool's ledger is built by registering every pooled entity of the host the same way.
//
// Inferred by ubmgr: in its single-host model every entity of the super-node is already enumerated, so an
// allocation's ENTITY_REG finds the entity present (where the kernel takes ub_create_existed_entity_handler); ubmgr
// still runs ub_entity_reg_check, as the consumer host would for an entity it has not seen. After ENTITY_RLS the
// entity goes back to its home (static) bus instance, where the pool keeps it. The page size of ERS sizes is 4 KiB.
import {parseGuid, UbGuidType} from '../definition/guid.js'
import {instanceByEid, isDynamic} from '../sim/host/instances.js'
import type {HostEntity, HostState} from '../sim/host/model.js'
import {PoolError} from './errors.js'
import {emptyLedger, type Card, type Ledger, type Slice} from './ledger.js'

/** enum ub_msg_rsp_status_code (kernel msg.h) */
export const UB_MSG_RSP_SUCCESS = 0x00
export const UB_MSG_RSP_EXEC_ENODEV = 0x25
export const UB_MSG_RSP_EXEC_EINVAL = 0x26

/** sub_msg_code of the pool messages: their index in pool.c's pool_rx_msg_handler table */
export const POOL_SUB_MSG = {ENTITY_REG: 0, ENTITY_RLS: 1, BI_CREATE: 2, BI_DESTROY: 3, CFG_CPL_NOTIFY: 4, PORT_RESET_NOTIFY: 5} as const

const PAGE = 4096

export interface EntityRegMsg {
  guid: string
  eid: number
  /** user eid: the eid of the bus instance the entity is registered into */
  ueid: number
  cna: number
  upi: number
  entityIdx: number
  /** ERS start address and size in pages */
  ers: Array<{sa: string; ss: number}>
}

/** The message the pool sends to register a host entity into a bus instance. */
export function entityRegFor(e: HostEntity, ueid: number, upi = e.upi): EntityRegMsg {
  return {guid: e.guid, eid: e.eid, ueid, cna: e.cna, upi, entityIdx: e.entityIdx, ers: e.ers.map((r) => ({sa: r.sa, ss: Number(BigInt(r.size) / BigInt(PAGE))}))}
}

const hex = (n: number) => (n === 0 ? '0' : '0x' + n.toString(16))
const hex05 = (n: number) => '0x' + n.toString(16).padStart(3, '0')

/**
 * ub_entity_reg_check. `decoderJuris` is the UBC's UB_DECODER_JURIS feature: only then are ERS sizes checked.
 * Returns the kernel's dev_err text, or undefined when the message passes.
 */
export function entityRegCheck(host: HostState, msg: EntityRegMsg, decoderJuris = true): string | undefined {
  if (msg.eid === 0 || msg.ueid === 0) return `entity reg eid=${hex(msg.eid)} u_eid=${hex(msg.ueid)} is invalid`
  if (!instanceByEid(host, msg.ueid)) return `entity reg u_eid=${hex(msg.ueid)} not exist`
  const type = parseGuid(msg.guid)?.type
  if (type !== UbGuidType.CONTROLLER) return `entity reg guid type ${type} is invalid`
  if (decoderJuris) {
    const zero = msg.ers.findIndex((r) => r.ss === 0)
    if (zero >= 0) return `entity reg ers[${zero}] size is 0`
  }
  return undefined
}

/** ENTITY_REG on the host: the entity is registered into the bus instance whose eid is msg.ueid. */
export function entityReg(host: HostState, msg: EntityRegMsg, decoderJuris = true): HostEntity {
  const e = host.entities.find((x) => x.eid === msg.eid)
  // an entity of the pool's inventory (e.pool) that is not registered yet takes the new-entity path
  if (e && !e.pooled && !e.pool) throw new PoolError(`ENTITY_REG: Entity with eid=${hex05(msg.eid)} is not a pool device`, [], UB_MSG_RSP_EXEC_EINVAL)
  const refused = entityRegCheck(host, msg, decoderJuris)
  if (refused) throw new PoolError(`ENTITY_REG: ${refused}`, [], UB_MSG_RSP_EXEC_EINVAL)
  if (!e) throw new PoolError(`ENTITY_REG: no entity with eid=${hex05(msg.eid)} on the fabric`, [], UB_MSG_RSP_EXEC_ENODEV)
  // ub_pool_uent_init: uent->pool, user_eid; ub_default_bus_instance_init binds it to the BI of its user eid
  e.pooled = true
  if (e.kind === 'device') e.kind = 'p_device'
  e.userEid = msg.ueid
  e.instanceEid = msg.ueid
  return e
}

/** ENTITY_RLS on the host: the pooled entity with this eid leaves the bus instance it was registered into. */
export function entityRls(host: HostState, eid: number): HostEntity {
  const e = host.entities.find((x) => x.eid === eid)
  if (!e) throw new PoolError(`ENTITY_RLS: can not find ub entity by eid=${hex05(eid)}`, [], UB_MSG_RSP_EXEC_ENODEV)
  if (!e.pooled) throw new PoolError('ENTITY_RLS: ub entity is not a pooled device', [], UB_MSG_RSP_EXEC_EINVAL)
  // the consumer's uent is destroyed; in ubmgr's single-host model the entity goes back to the inventory
  const home = host.instances.find((i) => !isDynamic(i))
  e.pooled = false
  if (e.kind === 'p_device') e.kind = 'device'
  e.userEid = 0
  if (home) e.instanceEid = home.eid
  return e
}

/** A pooled entity the ledger could not take, and why. */
export interface Unregistered {
  guid: string
  reason: string
}

/**
 * The ledger of a host: every pooled entity registered as its card's slice with ENTITY_REG's checks. A card's
 * capacity and failure domain come from its PFE (or from whichever of its entities declares them).
 */
export function ledgerFromHost(host: HostState): {ledger: Ledger; unregistered: Unregistered[]} {
  const ledger = emptyLedger(host.fabric)
  const unregistered: Unregistered[] = []
  const cards = new Map<string, Card>()
  const pooled = host.entities.filter((e) => e.pool).sort((a, b) => (a.pool!.slice === b.pool!.slice ? a.uentNum - b.uentNum : a.pool!.slice === 'pfe' ? -1 : 1))
  for (const e of pooled) {
    const p = e.pool!
    const refused = entityRegCheck(host, entityRegFor(e, e.instanceEid))
    if (refused) {
      unregistered.push({guid: e.guid, reason: `ENTITY_REG refused: ${refused}`})
      continue
    }
    let card = cards.get(p.card)
    if (!card) {
      card = {
        id: p.card,
        class: p.class,
        classCode: e.classCode,
        vendor: parseGuid(e.guid)!.vendor,
        domain: {node: e.node, slot: p.slot, chip: p.chip, die: p.die},
        capacity: {bandwidthMbps: 0, queues: 0, compute: 0},
        state: 'ok',
        revision: 1,
        slices: [],
      }
      cards.set(p.card, card)
    }
    if (card.class !== p.class || card.domain.node !== e.node) {
      unregistered.push({guid: e.guid, reason: `card ${card.id} is a ${card.class} in ${card.domain.node}; this entity is a ${p.class} in ${e.node}`})
      continue
    }
    card.capacity = {
      bandwidthMbps: Math.max(card.capacity.bandwidthMbps, p.bandwidthMbps),
      queues: Math.max(card.capacity.queues, p.queues),
      compute: Math.max(card.capacity.compute, p.compute),
    }
    const type = p.slice === 'pfe' ? 'PFE' : 'VFE'
    const n = card.slices.filter((s) => s.type === type).length
    const slice: Slice = {id: `${card.id}/${p.slice}${n}`, type, guid: e.guid, eid: e.eid, pf: type === 'PFE' ? n : 0, ...(type === 'VFE' ? {vf: n} : {}), state: 'free'}
    card.slices.push(slice)
  }
  for (const card of cards.values())
    if (card.capacity.bandwidthMbps === 0 && card.capacity.queues === 0) {
      cards.delete(card.id)
      for (const s of card.slices) unregistered.push({guid: s.guid, reason: `card ${card.id} declares no capacity (bandwidth or queues on its PFE)`})
    }
  ledger.cards = [...cards.values()].sort((a, b) => a.id.localeCompare(b.id))
  return {ledger, unregistered}
}
