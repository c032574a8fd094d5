// Bus instances and binding on the simulated host (drivers/ub/ubus/instance.c): the static server BI of
// UBC0, default binding, the UBUS_IOCTL_BUS_INSTANCE sub-commands (create, destroy, bind, unbind), the
// CFG_CPL_NOTIFY static cluster BI, driver_override/drivers_probe, and QEMU ubc's bus-instance flock.
// Functions mutate the HostState in place and throw HostError with the errno and log text of the kernel.
import {altHex, guidLogText, uentName} from './cformat.js'
import {HostError} from './errors.js'
import {Ida} from './ida.js'
import type {BusInstanceTypeCode, HostBusInstance, HostEntity, HostState} from './model.js'

export const UBUS_INSTANCE_STATIC_SERVER = 0
export const UBUS_INSTANCE_STATIC_CLUSTER = 1
export const UBUS_INSTANCE_DYNAMIC_SERVER = 2
export const UBUS_INSTANCE_DYNAMIC_CLUSTER = 3
/** drivers/ub/ubus/ubus.h: the UPI of enumeration packets, and of a non-cluster BI created with upi 0. */
export const UB_CP_UPI = 0x7fff
/** enum ub_type: a bus instance GUID has type 0. */
const UB_TYPE_BUS_INSTANCE = 0

export const isDynamic = (bi: {type: number}) => bi.type === UBUS_INSTANCE_DYNAMIC_SERVER || bi.type === UBUS_INSTANCE_DYNAMIC_CLUSTER
export const isClusterBi = (bi: {type: number}) => bi.type === UBUS_INSTANCE_STATIC_CLUSTER || bi.type === UBUS_INSTANCE_DYNAMIC_CLUSTER
export const isPoolKind = (e: HostEntity) => e.kind === 'p_device' || e.kind === 'p_idevice'

/** The entity with this uent_num: at index uentNum − 1 after enumeration; searched when a sysfs tree has gaps. */
export function entityByUent(state: HostState, uentNum: number): HostEntity | undefined {
  const e = state.entities[uentNum - 1]
  return e?.uentNum === uentNum ? e : state.entities.find((x) => x.uentNum === uentNum)
}

export function findEntityByGuid(state: HostState, guid: string): HostEntity | undefined {
  const g = guid.toLowerCase()
  return state.entities.find((e) => e.guid === g)
}

export function findInstance(state: HostState, guid: string): HostBusInstance | undefined {
  const g = guid.toLowerCase()
  return state.instances.find((i) => i.guid === g)
}

/** ub_find_bus_instance(eid_match): the first BI with this EID. */
export const instanceByEid = (state: HostState, eid: number) => (eid === 0 ? undefined : state.instances.find((i) => i.eid === eid))

/** The EID allocator (ub_eid_request) as the state stands: entity and BI EIDs in the local range are taken. */
export function eidIda(state: HostState): Ida {
  const taken: number[] = []
  for (const e of state.entities) taken.push(e.eid)
  for (const bi of state.instances) taken.push(bi.eid)
  return new Ida(state.firmware.eid[0], state.firmware.eid[1], taken)
}

interface BiInfo {
  guid: string
  type: BusInstanceTypeCode
  eid: number
  upi: number
}

/** ub_register_bus_instance: duplicate check, validity check, EID (allocated for server BIs) and UPI. */
function registerBusInstance(state: HostState, info: BiInfo, ubc: number, ida = eidIda(state)): HostBusInstance {
  const old = findInstance(state, info.guid)
  if (old) {
    if (old.type !== info.type) throw new HostError('EINVAL', 'bus instance guid exist with different type', info.guid)
    const same = info.eid ? info.eid === old.eid && (!info.upi || info.upi === old.upi) : !info.upi || info.upi === old.upi
    if (same) throw new HostError('EEXIST', 'bus instance guid exist', info.guid)
    throw new HostError('EINVAL', 'bus instance guid exist, but eid/upi invalid', info.guid)
  }
  const eidEnd = state.firmware.eid[1]
  if (Number.parseInt(info.guid[12], 16) !== UB_TYPE_BUS_INSTANCE || /^[0-]+$/.test(info.guid))
    throw new HostError('EINVAL', 'guid type is not bus instance or guid_null', info.guid)
  if (isClusterBi(info) && (info.eid === 0 || info.upi === 0 || info.eid <= eidEnd))
    throw new HostError('EINVAL', `cluster bi eid or upi invalid, eid=${altHex(info.eid)}, upi=${altHex(info.upi)}`, info.guid)
  if (!isClusterBi(info) && info.eid && info.eid <= eidEnd) throw new HostError('EINVAL', `server bi eid within the local scope, eid=${altHex(info.eid)}`, info.guid)
  let eid = info.eid
  if (!isClusterBi(info) && !eid) {
    eid = ida.alloc()
    if (eid < 0) throw new HostError('ENOSPC', `bus instance eid cfg failed, ret=${eid}`, info.guid)
  }
  const upi = !isClusterBi(info) && !info.upi ? UB_CP_UPI : info.upi
  const bi: HostBusInstance = {guid: info.guid, type: info.type, eid, upi, ubc}
  state.instances.push(bi)
  return bi
}

/** ub_static_bus_instance_init for UBC0: a STATIC_SERVER BI whose GUID is the controller's with type 0. */
export function staticBusInstanceInit(state: HostState, ubc0: HostEntity, ida: Ida): HostBusInstance {
  const guid = ubc0.guid.slice(0, 12) + '0' + ubc0.guid.slice(13)
  return registerBusInstance(state, {guid, type: UBUS_INSTANCE_STATIC_SERVER, eid: 0, upi: 0}, ubc0.uentNum, ida)
}

/** The controller's static BI (ubc->bi): every controller shares UBC0's. */
const staticServerBi = (state: HostState) => state.instances.find((i) => i.type === UBUS_INSTANCE_STATIC_SERVER)

/**
 * ub_default_bus_instance_init: switches are bound to none; pooled entities and cluster IBUS controllers to
 * the BI whose EID is their user_eid; the rest to the controller's static BI.
 */
export function defaultBusInstanceInit(state: HostState, e: HostEntity): void {
  if (e.kind === 'switch') return
  const useCluster = isPoolKind(e) || (e.kind === 'ibus_controller' && state.cluster)
  const bi = useCluster ? instanceByEid(state, e.userEid) : staticServerBi(state)
  if (!bi) throw new HostError('EINVAL', 'get default bi NULL', `uent ${uentName(e.uentNum)}`)
  e.instanceEid = bi.eid
}

/** UBUS_CMD_BI_CREATE: DYNAMIC_CLUSTER when the controllers run in cluster mode, else DYNAMIC_SERVER. */
export function createBusInstance(state: HostState, req: {guid: string; eid?: number; upi?: number}): HostBusInstance {
  const ubc0 = state.entities.find((e) => e.kind === 'ibus_controller')
  if (!ubc0) throw new HostError('ENODEV', 'ubc 0 not exist')
  const type = state.cluster ? UBUS_INSTANCE_DYNAMIC_CLUSTER : UBUS_INSTANCE_DYNAMIC_SERVER
  return registerBusInstance(state, {guid: req.guid.toLowerCase(), type, eid: req.eid ?? 0, upi: req.upi ?? 0}, ubc0.uentNum)
}

/** UBUS_CMD_BI_DESTROY: only a dynamic BI, and only when no entity holds a reference (is bound to it). */
export function destroyBusInstance(state: HostState, guid: string): void {
  const text = guidLogText(guid.toLowerCase())
  const bi = findInstance(state, guid)
  if (!bi) throw new HostError('ENODEV', `bus instance destroy invalid, guid=${text}`)
  if (!isDynamic(bi)) throw new HostError('EINVAL', `instance ${text} is not dynamic`)
  if (state.entities.some((e) => e.instanceEid === bi.eid)) throw new HostError('EBUSY', `instance ${text} is still in use`)
  state.instances.splice(state.instances.indexOf(bi), 1)
}

/** get_bus_instance_and_uent: the dynamic BI and the entity of a bind/unbind request. */
function biAndEntity(state: HostState, biGuid: string, devGuid: string): {bi: HostBusInstance; e: HostEntity} {
  const failed = `get bi and uent failed, bi_guid=${guidLogText(biGuid.toLowerCase())}, dev_guid=${guidLogText(devGuid.toLowerCase())}`
  const bi = findInstance(state, biGuid)
  if (!bi) throw new HostError('ENODEV', failed)
  if (!isDynamic(bi)) throw new HostError('EINVAL', failed)
  const e = findEntityByGuid(state, devGuid)
  if (!e) throw new HostError('ENODEV', failed)
  if (e.kind === 'p_device') throw new HostError('ENODEV', 'fad dev not support bind again', `uent ${uentName(e.uentNum)}`)
  return {bi, e}
}

/** UBUS_CMD_BI_BIND: from the static BI into a dynamic one; bound elsewhere -EBUSY; the same BI again is a no-op. */
export function bindToInstance(state: HostState, biGuid: string, devGuid: string): HostEntity {
  const {bi, e} = biAndEntity(state, biGuid, devGuid)
  const old = instanceByEid(state, e.instanceEid)
  if (!old) throw new HostError('EINVAL', 'dev has no static instance', `uent ${uentName(e.uentNum)}`)
  if (!isDynamic(old)) e.instanceEid = bi.eid
  else if (old !== bi) throw new HostError('EBUSY', 'dev already bind instance', `uent ${uentName(e.uentNum)}`)
  return e
}

/** UBUS_CMD_BI_UNBIND: back to the controller's static BI. */
export function unbindFromInstance(state: HostState, biGuid: string, devGuid: string): HostEntity {
  const {bi, e} = biAndEntity(state, biGuid, devGuid)
  if (e.instanceEid !== bi.eid) throw new HostError('EINVAL', `dev not bind bus instance, guid=${guidLogText(bi.guid)}`, `uent ${uentName(e.uentNum)}`)
  const home = staticServerBi(state)
  e.instanceEid = home ? home.eid : 0
  return e
}

/**
 * CFG_CPL_NOTIFY (flag 1) from the fabric manager in cluster mode: the controller's cluster EID must lie
 * outside the local range ("update cluster ubc wrong"), the static cluster BI is created (an existing one
 * is reused), and the controller, not started until now, gets it as its user_eid and is bound to it.
 */
export function cfgCplNotify(state: HostState, ubc: HostEntity, notify: {guid: string; eid: number}): HostBusInstance {
  if (ubc.eid <= state.firmware.eid[1]) throw new HostError('EINVAL', `update cluster ubc wrong, eid=${altHex(ubc.eid)}`, `uent ${uentName(ubc.uentNum)}`)
  if (Number.parseInt(notify.guid[12], 16) !== UB_TYPE_BUS_INSTANCE) throw new HostError('EINVAL', 'notify msg guid type is invalid', notify.guid)
  let bi: HostBusInstance
  try {
    bi = registerBusInstance(state, {guid: notify.guid.toLowerCase(), type: UBUS_INSTANCE_STATIC_CLUSTER, eid: notify.eid, upi: ubc.upi}, ubc.uentNum)
  } catch (error) {
    if (!(error instanceof HostError) || error.errno !== 'EEXIST') throw error
    bi = findInstance(state, notify.guid)!
  }
  ubc.userEid = notify.eid
  defaultBusInstanceInit(state, ubc)
  return bi
}

/** /sys/bus/ub/devices/%05x/driver_override */
export function setDriverOverride(state: HostState, uentNum: number, driver: string | null): void {
  entity(state, uentNum).driverOverride = driver
}

/** /sys/bus/ub/drivers_probe: vfio-ub matches only through driver_override. */
export function probeDriver(state: HostState, uentNum: number): string | null {
  const e = entity(state, uentNum)
  if (e.driver !== null && e.driver !== e.driverOverride) throw new HostError('EBUSY', `device ${uentName(uentNum)} is bound to ${e.driver}; unbind it first`)
  if (e.driverOverride) e.driver = e.driverOverride
  return e.driver
}

export function unbindDriver(state: HostState, uentNum: number): string | null {
  const e = entity(state, uentNum)
  const was = e.driver
  e.driver = null
  return was
}

/** QEMU ubc: flock(LOCK_EX | LOCK_NB) on /run/libvirt/qemu/ub-bus-instance-<guid>.lock; false when another VM holds it. */
export function lockInstance(state: HostState, biGuid: string, vmName: string): boolean {
  const bi = findInstance(state, biGuid)
  if (!bi) return false
  if (bi.lockedBy && bi.lockedBy !== vmName) return false
  bi.lockedBy = vmName
  return true
}

export function unlockInstance(state: HostState, biGuid: string, vmName: string): void {
  const bi = findInstance(state, biGuid)
  if (bi?.lockedBy === vmName) delete bi.lockedBy
}


function entity(state: HostState, uentNum: number): HostEntity {
  const e = entityByUent(state, uentNum)
  if (!e) throw new HostError('ENODEV', `no ub entity ${uentName(uentNum)}`)
  return e
}
