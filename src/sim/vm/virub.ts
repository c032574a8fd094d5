// libvirt's side before QEMU starts (src/util/virub.c): the pool's steps for pool requests (resolved before the
// walk by src/pool, UBSE's alloc_devices), the dynamic bus instance created (UBUS_CMD_BI_CREATE), devices bound to it
// (UBUS_CMD_BI_BIND), and managed binding to vfio-ub: driver_override, unbind, drivers_probe.
import type {UbDevice, UbVm} from '../../definition/normalize.js'
import {uentName} from '../host/cformat.js'
import {bindToInstance, createBusInstance, findEntityByGuid, findInstance, instanceByEid, isDynamic, probeDriver, setDriverOverride, unbindDriver} from '../host/instances.js'
import type {HostEntity, HostState} from '../host/model.js'
import {type GuestState, hex, WalkError} from './guest.js'
import type {Trace} from './trace.js'

const P = 'libvirt prepare'

/** virUBDeviceBindToStub: vfio-ub through driver_override, unbind, drivers_probe. Returns the driver it had. */
export function prepareDriver(host: HostState, e: HostEntity, trace: Trace): string | null {
  const original = e.driver === 'vfio-ub' ? null : e.driver
  setDriverOverride(host, e.uentNum, 'vfio-ub')
  trace.emit(P, 'virub', 'driver_override', `modprobe vfio-ub; /sys/bus/ub/devices/${uentName(e.uentNum)}/driver_override = vfio-ub`, 'sysfs')
  if (original) {
    unbindDriver(host, e.uentNum)
    trace.emit(P, 'virub', 'unbind', `/sys/bus/ub/devices/${uentName(e.uentNum)}/driver/unbind (${original})`, 'sysfs')
  }
  probeDriver(host, e.uentNum)
  trace.emit(P, 'virub', 'drivers_probe', `/sys/bus/ub/drivers_probe ${uentName(e.uentNum)} → vfio-ub`, 'sysfs')
  return original
}

/** A pool step (BI_CREATE, ENTITY_REG …) done before the walk, shown in its trace. */
export interface PoolStep {
  step: string
  detail: string
}

/** The devices, every one naming a host device (the pool resolved requests first), BI and binding ready. */
export function placeDevices(vm: UbVm, host: HostState, guest: GuestState, trace: Trace, poolSteps: PoolStep[] = []): Array<{device: UbDevice; originalDriver: string | null}> {
  const ub = vm.ub!
  for (const s of poolSteps) trace.emit(P, 'UBPRM', s.step, s.detail, 'msg')
  const devices = ub.devices.map((d) => {
    if (!d.host) throw new WalkError(P, 'UBPRM', `${d.name} is a pool request: the pool must assign a host device first`)
    return d
  })
  let bi = findInstance(host, ub.busInstance.guid)
  if (!bi) {
    bi = createBusInstance(host, {guid: ub.busInstance.guid, eid: ub.busInstance.eid, upi: ub.busInstance.upi})
    guest.busInstance.createdByPlacement = true
    const asked = ub.busInstance.type.startsWith('dynamic') ? ` (the kernel picks the type from ubc->cluster; the definition says ${ub.busInstance.type})` : ''
    trace.emit(P, 'ubus', 'BI_CREATE', `UBUS_IOCTL_BUS_INSTANCE CREATE: ${bi.guid} type ${bi.type}${asked} eid ${hex(bi.eid)} upi ${hex(bi.upi)}`, 'ioctl')
  }
  guest.busInstance.eid = bi.eid
  // UBSE only binds into dynamic BIs; with a static one QEMU's vfio-ub realize refuses the devices.
  if (!isDynamic(bi)) trace.emit(P, 'ubus', 'bind', `${bi.guid} is a static bus instance (type ${bi.type}): devices left where they are`, 'ioctl')
  for (const d of devices) {
    const e = findEntityByGuid(host, d.host!.guid)
    if (!e) throw new WalkError(P, 'virub', `no UB device with guid ${d.host!.guid} under /sys/bus/ub/devices`)
    const current = instanceByEid(host, e.instanceEid)
    if (isDynamic(bi) && current !== bi) {
      bindToInstance(host, bi.guid, e.guid)
      trace.emit(P, 'ubus', 'BI_BIND', `UBUS_IOCTL_BUS_INSTANCE BIND {instance_guid ${bi.guid}, dev_guid ${e.guid}}: ub_entity_decoder_map_mmio`, 'ioctl')
    }
  }
  return devices.map((device) => ({device, originalDriver: prepareDriver(host, findEntityByGuid(host, device.host!.guid)!, trace)}))
}
