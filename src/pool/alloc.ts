// Allocation in UBSE's shape (ubs-engine: alloc_devices(upi, bus_guid, device_list) → (bus-instance GUID,
// devices); free_devices(bus_guid, device_list); query_uba_tid_size(bus_guid) → (tid, uba, size)); an all-zero
// (or "new") GUID asks for a new bus instance. Each step is a real host operation (bus-instance create, the
// kernel's ENTITY_REG/ENTITY_RLS pool messages) with its undo: a failed step undoes every step before it, in
// reverse, so an allocation either takes everything it asked for or nothing.
//
// Inferred by ubmgr (UBPRM has no public source): the GUIDs of new bus instances (vendor 0xcc08, device 0xb000,
// type 0, a sequence number); tid/uba/size are the VM's pooled-memory window when its definition has one
// (ubmgr pools devices, not memory), else zero; the UPI range is UBSE's ([1, 0x7fff-1001]) and is checked only
// when a UPI is given (server bus instances have none).
import {formatGuid, parseGuid} from '../definition/guid.js'
import {HostError} from '../sim/host/errors.js'
import {createBusInstance, destroyBusInstance, findInstance, isDynamic} from '../sim/host/instances.js'
import type {HostState} from '../sim/host/model.js'
import {entityReg, entityRegFor, entityRls} from './entity-reg.js'
import {PoolError} from './errors.js'
import {bump, ownerLabel, release, slicesOf, take, type Card, type Ledger, type PoolBusInstance, type Slice, type SliceType} from './ledger.js'
import {newContext, place, remember, type PlacementContext, type PoolRequest} from './placement.js'

export const ZERO_GUID = '0000-0000-0-0-000000-0000000000000000'
/** UBSE: upi in [1, 0x7fff - 1001] */
export const UPI_MAX = 0x7fff - 1001
/** ubs_engine_npu.h device types */
export const UBS_DEVICE_TYPE = {UBS_BUSI: 1, NPU: 2, NIC_PFE: 3, NIC_VFE: 4, UBCTRL: 5} as const
/** Hops between nodes of a super-node when the fabric file does not link them (through the UB switches) [INF]. */
const INTER_NODE_HOPS = 2

export interface PoolEvent {
  step: string
  detail: string
}

export interface AllocatedDevice {
  name: string
  member?: number
  guid: string
  eid: number
  slice: string
  card: string
  type: SliceType
  /** UBSE's device type where it has one (NPU, NIC_PFE, NIC_VFE) */
  ubsType?: number
  node: string
  slot: number
  chip: number
  die: number
  pf: number
  vf?: number
  reason: string
}

export interface AllocResult {
  busInstanceGuid: string
  createdBusInstance: boolean
  devices: AllocatedDevice[]
  tid: number
  uba: string
  size: string
}

export interface AllocInput {
  upi?: number
  /** an existing bus instance, or "new" / the all-zero GUID for a new one */
  busInstanceGuid: string
  requests: Array<PoolRequest & {member?: number}>
  /** the VM the slices are for (absent for scripts' allocations) */
  vm?: string
  /** the VM's pooled-memory window (ubmemVmmu) */
  window?: {tid: number; uba: string; size: string}
}

export type PoolOutcome<T> = {ok: true; ledger: Ledger; host: HostState; result: T; events: PoolEvent[]} | {ok: false; error: PoolError; ledger: Ledger; host: HostState; events: PoolEvent[]}

/** Steps with their undo; rollback runs the undos in reverse. */
class Steps {
  readonly events: PoolEvent[] = []
  private readonly undo: Array<{step: string; run: () => void}> = []
  run(step: string, detail: string, act: () => void, undo: () => void): void {
    act()
    this.events.push({step, detail})
    this.undo.push({step, run: undo})
  }
  note(step: string, detail: string): void {
    this.events.push({step, detail})
  }
  rollback(): void {
    for (const u of this.undo.reverse()) {
      u.run()
      this.events.push({step: 'rollback', detail: `undo ${u.step}`})
    }
  }
}

const asPoolError = (error: unknown): PoolError => {
  if (error instanceof PoolError) return error
  if (error instanceof HostError) return new PoolError(`-${error.errno}: ${error.message}`)
  throw error
}

/** The consumer's node and the hop count from its bus controller to a slice's entity. */
export function consumerContext(host: HostState, busInstanceGuid?: string): PlacementContext {
  const bi = (busInstanceGuid && findInstance(host, busInstanceGuid)) || host.instances[0]
  const ubc = host.entities[bi?.ubc ?? 0]
  const byGuid = new Map(host.entities.map((e) => [e.guid, e]))
  return newContext(ubc?.node ?? '', (s: Slice) => {
    const e = byGuid.get(s.guid)
    if (!e) return Number.MAX_SAFE_INTEGER
    return e.topoRank + (e.ubc === ubc?.uentNum ? 0 : INTER_NODE_HOPS)
  })
}

function newBusInstanceGuid(ledger: Ledger, host: HostState): string {
  for (;;) {
    // seq_num in decimal digits: openEuler libvirt's ubguid pattern refuses a-f there
    const guid = formatGuid({vendor: 0xcc08, device: 0xb000, version: 0, type: 0, rsv: 0, seq: BigInt('0x' + String(ledger.nextBusInstance++))})
    if (!findInstance(host, guid) && !ledger.busInstances.some((b) => b.guid === guid)) return guid
  }
}

export function alloc(ledgerIn: Ledger, hostIn: HostState, input: AllocInput): PoolOutcome<AllocResult> {
  const ledger = structuredClone(ledgerIn)
  const host = structuredClone(hostIn)
  const steps = new Steps()
  try {
    if (input.upi !== undefined && (input.upi < 1 || input.upi > UPI_MAX)) throw new PoolError(`upi ${input.upi} out of range [1, ${UPI_MAX}]`)
    const wantsNew = input.busInstanceGuid === 'new' || input.busInstanceGuid === ZERO_GUID
    if (!wantsNew && parseGuid(input.busInstanceGuid)?.type !== 0) throw new PoolError(`${input.busInstanceGuid} is not a bus instance GUID (type 0)`)
    const guid = wantsNew ? newBusInstanceGuid(ledger, host) : input.busInstanceGuid.toLowerCase()
    let bi = findInstance(host, guid)
    let created = false
    if (!bi) {
      steps.run('BI_CREATE', `${guid}${input.upi !== undefined ? ` upi ${input.upi}` : ''}`, () => {
        bi = createBusInstance(host, {guid, upi: input.upi})
        created = true
      }, () => destroyBusInstance(host, guid))
    } else if (!isDynamic(bi)) throw new PoolError(`bus instance ${guid} is static: the pool allocates only into dynamic bus instances`)
    const record = ledger.busInstances.find((b) => b.guid === guid)
    if (!record) {
      const window = input.window ?? {tid: 0, uba: '0x0', size: '0x0'}
      const entry: PoolBusInstance = {guid, eid: bi!.eid, upi: bi!.upi, createdByPool: created, ...window}
      steps.run('record', `bus instance ${guid} eid ${hex(bi!.eid)}`, () => ledger.busInstances.push(entry), () => ledger.busInstances.splice(ledger.busInstances.indexOf(entry), 1))
    }
    const ctx = consumerContext(host, guid)
    const devices: AllocatedDevice[] = []
    for (const req of input.requests) {
      const p = place(ledger, req, ctx)
      remember(ctx, req, p)
      const owner = {busInstance: guid, ...(input.vm ? {vm: input.vm, device: req.name} : {}), ...(req.member !== undefined ? {member: req.member} : {}), ...(req.group ? {group: req.group} : {})}
      const before = structuredClone(p.card)
      steps.run('take', `${p.slice.id} for ${ownerLabel(owner)} (${p.reason})`, () => take(p.card, p.slice, owner, req.need), () => Object.assign(p.card, structuredClone(before)))
      const e = host.entities.find((x) => x.guid === p.slice.guid)
      if (!e) throw new PoolError(`slice ${p.slice.id}: no entity ${p.slice.guid} on the host`)
      const was = structuredClone(e)
      steps.run('ENTITY_REG', `eid ${hex(e.eid)} guid ${e.guid} u_eid ${hex(bi!.eid)}`, () => entityReg(host, entityRegFor(e, bi!.eid, bi!.upi)), () => Object.assign(e, was))
      devices.push(deviceOf(p.card, p.slice, req, p.reason))
    }
    const r = ledger.busInstances.find((b) => b.guid === guid)!
    bump(ledger)
    return {ok: true, ledger, host, events: steps.events, result: {busInstanceGuid: guid, createdBusInstance: created, devices, tid: r.tid, uba: r.uba, size: r.size}}
  } catch (error) {
    const e = asPoolError(error)
    steps.note('error', e.message)
    steps.rollback()
    return {ok: false, error: e, ledger, host, events: steps.events}
  }
}

function deviceOf(card: Card, slice: Slice, req: PoolRequest & {member?: number}, reason: string): AllocatedDevice {
  const ubsType = card.class === 'npu' ? UBS_DEVICE_TYPE.NPU : card.class === 'dpu' || card.class === 'nic' ? (slice.type === 'PFE' ? UBS_DEVICE_TYPE.NIC_PFE : UBS_DEVICE_TYPE.NIC_VFE) : undefined
  return {
    name: req.name,
    ...(req.member !== undefined ? {member: req.member} : {}),
    guid: slice.guid,
    eid: slice.eid,
    slice: slice.id,
    card: card.id,
    type: slice.type,
    ...(ubsType ? {ubsType} : {}),
    ...card.domain,
    pf: slice.pf,
    ...(slice.vf !== undefined ? {vf: slice.vf} : {}),
    reason,
  }
}

export interface FreeInput {
  busInstanceGuid: string
  /** the slices to free (GUIDs or slice ids); all of the bus instance's when absent */
  devices?: string[]
  /** the VM freeing its own slices; slices a VM holds are refused to anyone else */
  vm?: string
  /** only this VM device's slices */
  device?: string
}

export interface FreeResult {
  busInstanceGuid: string
  freed: Array<{slice: string; guid: string; owner: string}>
  destroyedBusInstance: boolean
}

export function free(ledgerIn: Ledger, hostIn: HostState, input: FreeInput): PoolOutcome<FreeResult> {
  const ledger = structuredClone(ledgerIn)
  const host = structuredClone(hostIn)
  const steps = new Steps()
  try {
    const guid = input.busInstanceGuid.toLowerCase()
    const held = slicesOf(ledger, guid).filter(({slice}) => input.device === undefined || slice.owner?.device === input.device)
    const wanted = input.devices ? input.devices.map((d) => d.toLowerCase()) : undefined
    const chosen = wanted ? held.filter(({slice}) => wanted.includes(slice.guid) || wanted.includes(slice.id.toLowerCase())) : held
    if (wanted && chosen.length !== wanted.length) {
      const missing = wanted.filter((w) => !chosen.some(({slice}) => slice.guid === w || slice.id.toLowerCase() === w))
      throw new PoolError(`bus instance ${guid} holds no pooled device ${missing.join(', ')}`, [`it holds: ${held.map(({slice}) => slice.id).join(', ') || 'nothing'}`])
    }
    if (!ledger.busInstances.some((b) => b.guid === guid) && held.length === 0) throw new PoolError(`bus instance ${guid} holds no pooled devices`)
    const freed: FreeResult['freed'] = []
    for (const {card, slice} of chosen) {
      const owner = slice.owner!
      if (owner.vm && owner.vm !== input.vm) throw new PoolError(`${slice.id} is held by VM ${owner.vm} (${owner.device}): detach-device or destroy frees it`)
      const before = structuredClone(card)
      const e = host.entities.find((x) => x.eid === slice.eid)
      const was = structuredClone(e)
      steps.run('ENTITY_RLS', `eid ${hex(slice.eid)} (${slice.id})`, () => entityRls(host, slice.eid), () => e && Object.assign(e, was))
      steps.run('release', slice.id, () => release(card, slice), () => Object.assign(card, structuredClone(before)))
      freed.push({slice: slice.id, guid: slice.guid, owner: ownerLabel(owner)})
    }
    const destroyed = dropBusInstance(ledger, host, guid, steps)
    bump(ledger)
    return {ok: true, ledger, host, events: steps.events, result: {busInstanceGuid: guid, freed, destroyedBusInstance: destroyed}}
  } catch (error) {
    const e = asPoolError(error)
    steps.note('error', e.message)
    steps.rollback()
    return {ok: false, error: e, ledger, host, events: steps.events}
  }
}

/** A bus instance with no slice left leaves the ledger; one the pool created is destroyed unless still in use. */
function dropBusInstance(ledger: Ledger, host: HostState, guid: string, steps: Steps): boolean {
  const record = ledger.busInstances.find((b) => b.guid === guid)
  if (!record || slicesOf(ledger, guid).length > 0) return false
  ledger.busInstances.splice(ledger.busInstances.indexOf(record), 1)
  if (!record.createdByPool || !findInstance(host, guid)) return false
  try {
    destroyBusInstance(host, guid)
    steps.note('BI_DESTROY', guid)
    return true
  } catch (error) {
    if (!(error instanceof HostError)) throw error
    // still locked by a VM or holding host devices: the walk's teardown destroys it, or pool check reports it
    ledger.busInstances.push(record)
    steps.note('BI_DESTROY', `${guid} kept: ${error.message}`)
    return false
  }
}

const hex = (n: number) => '0x' + n.toString(16)
