// Bus instances, binding and drivers on the simulated host (drivers/ub/ubus/instance.c, sysfs
// driver_override/drivers_probe, QEMU ubc's bus-instance lock). Functions mutate the HostState in place
// and throw HostError with the errno the kernel returns.
import {bandwidthToMbps} from '../../definition/units.js'
import type {NormalPoolRequest} from '../../definition/normalize.js'
import {HostError} from './errors.js'
import type {HostBusInstance, HostEntity, HostState} from './model.js'

export const UBUS_INSTANCE_STATIC_SERVER = 0
export const UBUS_INSTANCE_STATIC_CLUSTER = 1
export const UBUS_INSTANCE_DYNAMIC_SERVER = 2
export const UBUS_INSTANCE_DYNAMIC_CLUSTER = 3
/** Firmware local EID range: LOCAL_EID_START..END. */
const LOCAL_EID_END = 65535

export const isDynamic = (bi: HostBusInstance) => bi.type === UBUS_INSTANCE_DYNAMIC_SERVER || bi.type === UBUS_INSTANCE_DYNAMIC_CLUSTER

export function findEntityByGuid(state: HostState, guid: string): HostEntity | undefined {
  const g = guid.toLowerCase()
  return state.entities.find((e) => e.guid === g)
}

export function findInstance(state: HostState, guid: string): HostBusInstance | undefined {
  const g = guid.toLowerCase()
  return state.instances.find((i) => i.guid === g)
}

export const instanceByEid = (state: HostState, eid: number) => state.instances.find((i) => i.eid === eid)

/** ub_ioctl_bus_instance_create: DYNAMIC_CLUSTER when the host runs in cluster mode, else DYNAMIC_SERVER. */
export function createBusInstance(state: HostState, req: {guid: string; eid?: number; upi?: number}): HostBusInstance {
  if (findInstance(state, req.guid)) throw new HostError('EEXIST', `bus instance ${req.guid} already exists`)
  const type = state.cluster ? UBUS_INSTANCE_DYNAMIC_CLUSTER : UBUS_INSTANCE_DYNAMIC_SERVER
  const eid = req.eid ?? nextFreeEid(state)
  const upi = req.upi ?? 0
  if (state.cluster && (!eid || !upi)) throw new HostError('EINVAL', 'cluster bus instance needs non-zero eid and upi')
  if (!state.cluster && req.eid !== undefined && req.eid <= LOCAL_EID_END) throw new HostError('EINVAL', `server bus instance eid ${hex(req.eid)} lies in the local eid range`)
  if (state.instances.some((i) => i.eid === eid) || state.entities.some((e) => e.eid === eid)) throw new HostError('EEXIST', `eid ${hex(eid)} is in use`)
  const ubc = state.instances[0]?.ubc ?? 0
  const bi: HostBusInstance = {guid: req.guid.toLowerCase(), type, eid, upi, ubc}
  state.instances.push(bi)
  return bi
}

/** ub_ioctl_bus_instance_destroy: -EBUSY while entities are bound or a VM holds its lock. */
export function destroyBusInstance(state: HostState, guid: string): void {
  const bi = findInstance(state, guid)
  if (!bi) throw new HostError('ENOENT', `bus instance ${guid} not found`)
  if (!isDynamic(bi)) throw new HostError('EPERM', `bus instance ${guid} is static`)
  if (bi.lockedBy || state.entities.some((e) => e.instanceEid === bi.eid)) throw new HostError('EBUSY', `bus instance ${guid} is in use`)
  state.instances.splice(state.instances.indexOf(bi), 1)
}

/** ub_ioctl_bus_instance_bind: only from a static BI; pooled devices cannot be re-bound. */
export function bindToInstance(state: HostState, biGuid: string, devGuid: string): HostEntity {
  const bi = findInstance(state, biGuid)
  if (!bi) throw new HostError('ENOENT', `bus instance ${biGuid} not found`)
  if (!isDynamic(bi)) throw new HostError('EINVAL', `bus instance ${biGuid} is not dynamic`)
  const e = findEntityByGuid(state, devGuid)
  if (!e) throw new HostError('ENODEV', `no ub entity with guid ${devGuid}`)
  if (e.instanceEid === bi.eid) return e
  const current = instanceByEid(state, e.instanceEid)
  if (current && isDynamic(current)) throw new HostError('EBUSY', `ub entity ${hex5(e.uentNum)} is already bound to dynamic bus instance ${current.guid}`)
  if (e.kind === 'p_device' || e.kind === 'p_idevice') {
    // fad (pooled) devices are registered straight into their BI by ENTITY_REG and never re-bound
    if (current && current.eid !== bi.eid && !isDynamic(current)) e.instanceEid = bi.eid
    return e
  }
  e.instanceEid = bi.eid
  return e
}

/** Unbind: back to its controller's static BI. */
export function unbindFromInstance(state: HostState, devGuid: string): HostEntity {
  const e = findEntityByGuid(state, devGuid)
  if (!e) throw new HostError('ENODEV', `no ub entity with guid ${devGuid}`)
  const staticBi = state.instances.find((i) => !isDynamic(i))
  if (staticBi) e.instanceEid = staticBi.eid
  return e
}

/** /sys/bus/ub/devices/%05x/driver_override */
export function setDriverOverride(state: HostState, uentNum: number, driver: string | null): void {
  entity(state, uentNum).driverOverride = driver
}

/** /sys/bus/ub/drivers_probe: vfio-ub matches only through driver_override. */
export function probeDriver(state: HostState, uentNum: number): string | null {
  const e = entity(state, uentNum)
  if (e.driver !== null && e.driver !== e.driverOverride) throw new HostError('EBUSY', `ub entity ${hex5(uentNum)} is bound to ${e.driver}; unbind it first`)
  if (e.driverOverride) e.driver = e.driverOverride
  return e.driver
}

export function unbindDriver(state: HostState, uentNum: number): string | null {
  const e = entity(state, uentNum)
  const was = e.driver
  e.driver = null
  return was
}

/** QEMU ubc: an exclusive flock on /run/libvirt/qemu/ub-bus-instance-<guid>.lock. */
export function lockInstance(state: HostState, biGuid: string, vmName: string): void {
  const bi = findInstance(state, biGuid)
  if (!bi) throw new HostError('ENOENT', `bus instance ${biGuid} not found`)
  if (bi.lockedBy && bi.lockedBy !== vmName)
    throw new HostError('EBUSY', `failed to lock /run/libvirt/qemu/ub-bus-instance-${bi.guid}.lock, it may used by other vm (${bi.lockedBy})`)
  bi.lockedBy = vmName
}

export function unlockInstance(state: HostState, biGuid: string, vmName: string): void {
  const bi = findInstance(state, biGuid)
  if (bi?.lockedBy === vmName) delete bi.lockedBy
}

/** UBPRM-style placement of a pool request: the first free pooled entity of the class that is big enough. */
export function resolvePoolRequest(state: HostState, request: NormalPoolRequest, exclude: Set<string>): HostEntity | undefined {
  const need = request.bandwidth ? (bandwidthToMbps(request.bandwidth) ?? 0) : 0
  return state.entities.find(
    (e) =>
      e.pool?.class === request.class &&
      !exclude.has(e.guid) &&
      e.driver !== 'vfio-ub' &&
      e.pool.bandwidthMbps >= need &&
      e.pool.queues >= (request.queues ?? 0) &&
      (request.vendor === undefined || parseInt(e.guid.slice(0, 4), 16) === request.vendor) &&
      !isDynamic(instanceByEid(state, e.instanceEid) ?? {type: 0, guid: '', eid: 0, upi: 0, ubc: 0}),
  )
}

function entity(state: HostState, uentNum: number): HostEntity {
  const e = state.entities[uentNum]
  if (!e) throw new HostError('ENODEV', `no ub entity ${hex5(uentNum)}`)
  return e
}

const hex = (n: number) => '0x' + n.toString(16)
const hex5 = (n: number) => n.toString(16).padStart(5, '0')

function nextFreeEid(state: HostState): number {
  const used = new Set([...state.entities.map((e) => e.eid), ...state.instances.map((i) => i.eid)])
  let eid = state.cluster ? 0x10000 : LOCAL_EID_END + 1
  while (used.has(eid)) eid++
  return eid
}
