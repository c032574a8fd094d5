// Hot-plug, unplug, Entity Level Reset and teardown of a running simulated VM. Each returns new host and
// guest states (the inputs are not changed) and its trace, or the stack's failure.
import type {UbVm} from '../../definition/normalize.js'
import {HostError} from '../host/errors.js'
import {
  bindToInstance,
  destroyBusInstance,
  findEntityByGuid,
  entityByUent,
  findInstance,
  instanceByEid,
  isDynamic,
  probeDriver,
  setDriverOverride,
  unbindDriver,
  unbindFromInstance,
  unlockInstance,
} from '../host/instances.js'
import type {HostState} from '../host/model.js'
import {CFG, readDword, writeDword} from './cfgspace.js'
import {hotplugMember, teardownFusion, unplugMember} from './fusion.js'
import {type GuestState, WalkError} from './guest.js'
import {setupInGuest} from './guest-ubus.js'
import {Trace, type TraceEvent} from './trace.js'
import {CMD} from './ummu.js'
import {disableUsi} from './usi.js'
import {realizeDevice, unrealizeDevice} from './vfio-ub.js'
import {prepareDriver} from './virub.js'
import {failure, type WalkFailure} from './walk.js'

export type ChangeResult = {ok: true; host: HostState; guest: GuestState; events: TraceEvent[]} | WalkFailure

const hex = (n: number) => '0x' + n.toString(16)

function begin(guest: GuestState, host: HostState) {
  return {trace: new Trace(guest.t_us, guest.seed + guest.devices.length), g: structuredClone(guest), h: structuredClone(host)}
}

/**
 * Hot-plug: the slot hot-plug capability (presence, power), then the guest scans the controller port and
 * sets the device up. No LINK_UP message: QEMU injects UB_MSG_CODE_LINK only from vfio-ub's REINIT interrupt.
 */
export function hotplugDevice(guest: GuestState, host: HostState, vm: UbVm, deviceName: string): ChangeResult {
  const {trace, g, h} = begin(guest, host)
  try {
    const d = vm.ub?.devices.find((x) => x.name === deviceName)
    if (!d) throw new WalkError('hotplug', 'qemu', `no UB device named ${deviceName} in the definition`)
    if (!d.host) throw new WalkError('hotplug', 'UBPRM', `${deviceName} is a pool request: the pool must assign a host device first`)
    if (g.devices.some((x) => x.name === deviceName)) throw new WalkError('hotplug', 'qemu', `Duplicate ID '${deviceName}' for device`)
    const e = findEntityByGuid(h, d.host.guid)
    if (!e) throw new WalkError('libvirt prepare', 'virub', `no UB device with guid ${d.host.guid} under /sys/bus/ub/devices`)
    const current = instanceByEid(h, e.instanceEid)
    if (!current || !isDynamic(current) || current.guid !== vm.ub!.busInstance.guid.toLowerCase()) {
      bindToInstance(h, vm.ub!.busInstance.guid, e.guid)
      trace.emit('libvirt prepare', 'ubus', 'BI_BIND', `UBUS_IOCTL_BUS_INSTANCE BIND {instance_guid ${vm.ub!.busInstance.guid}, dev_guid ${e.guid}}`, 'ioctl')
    }
    for (const l of d.links) {
      const holder = g.devices.find((x) => x.links.some((y) => y.controllerPort === l.controllerPort))
      if (holder) throw new WalkError('hotplug', 'ub', `The neighbor information of the two devices does not match each other. ${d.name} set (${d.name}:${l.port} = ubc.0:${l.controllerPort}) BUT neighbor ubc.0 already set (ubc.0:${l.controllerPort} = ${holder.name})`)
    }
    const gd = realizeDevice(d, vm, h, g, trace, prepareDriver(h, e, trace))
    writeDword(gd.cfg, CFG.SHP_CAP + 0x4, 1) // slot_num
    trace.emit('hotplug', 'vBusController', 'SHP', `CFG0 SHP cap ${hex(CFG.SHP_CAP)}: slot power on (pp_ctrl), presence detected (pd_st)`, 'hotplug')
    setupInGuest(gd, g, trace, 'hotplug')
    g.t_us = trace.t_us
    return {ok: true, host: h, guest: g, events: trace.events}
  } catch (error) {
    return failure(error, trace)
  }
}

/** Release one device: USI off, UMMU entries and S1 HWPT gone, vfio-ub unrealized, host driver restored. */
function release(g: GuestState, h: HostState, name: string, trace: Trace, phase: string): void {
  const i = g.devices.findIndex((x) => x.name === name)
  if (i < 0) throw new WalkError(phase, 'qemu', `no device named ${name} in the running VM`)
  const d = g.devices[i]
  disableUsi(d, trace, phase)
  const u = g.ummu
  delete u.tct[String(d.tag)]?.[String(d.tid)]
  delete u.maps[String(d.tag)]?.[String(d.tid)]
  if (u.iommufd?.s1Hwpt[d.name] !== undefined) {
    trace.emit(phase, 'iommufd', 'uninstall S1 HWPT', `${d.name}: hwpt ${u.iommufd.s1Hwpt[d.name]} freed, reattached to S2 ${u.iommufd.s2HwptId}`, 'hwpt')
    delete u.iommufd.s1Hwpt[d.name]
  }
  if (g.devices.filter((x) => x.ueid === d.ueid).length === 1) {
    delete u.kv[String(d.ueid)]
    trace.emit(phase, 'ummu', 'CMD_DELETE_KVTBL', `opcode ${hex(CMD.CMD_DELETE_KVTBL)}: dst_eid ${hex(d.ueid)}`, 'cmd')
  }
  g.devices.splice(i, 1)
  unrealizeDevice(g, d)
  trace.emit(phase, 'vfio-ub', 'unrealize', `${d.name} removed from ubus.0`, 'realize')
  // a fusion device's UB model belongs to vfio_fusiond, not to a host entity (teardownFusion removes it)
  if (d.hostUent < 0) return
  const e = entityByUent(h, d.hostUent)!
  unbindDriver(h, e.uentNum)
  setDriverOverride(h, e.uentNum, null)
  // a pooled entity (p_device) cannot be unbound ("fad dev not support bind again"): the pool's ENTITY_RLS takes
  // it, and one the pool already moved away is no longer bound here
  if (e.kind !== 'p_device' && e.instanceEid === findInstance(h, g.busInstance.guid)?.eid) {
    unbindFromInstance(h, g.busInstance.guid, e.guid)
    trace.emit(phase, 'ubus', 'BI_UNBIND', `UBUS_IOCTL_BUS_INSTANCE UNBIND {instance_guid ${g.busInstance.guid}, dev_guid ${e.guid}}`, 'ioctl')
  }
  if (d.originalDriver) {
    setDriverOverride(h, e.uentNum, d.originalDriver)
    probeDriver(h, e.uentNum)
    setDriverOverride(h, e.uentNum, null)
  }
  trace.emit(phase, 'virub', 'reattach', `${d.hostGuid}: back to the static bus instance, driver ${d.originalDriver ?? 'none'}`, 'sysfs')
}

export function unplugDevice(guest: GuestState, host: HostState, deviceName: string): ChangeResult {
  const {trace, g, h} = begin(guest, host)
  try {
    trace.emit('hotplug', 'vBusController', 'SHP', `${deviceName}: attention, slot power off (pw_ctrl)`, 'hotplug')
    release(g, h, deviceName, trace, 'unplug')
    g.t_us = trace.t_us
    return {ok: true, host: h, guest: g, events: trace.events}
  } catch (error) {
    return failure(error, trace)
  }
}

/** Fusion members added and removed on a running VM (attach/detach-device --live of a member). */
export function changeFusionMembers(guest: GuestState, host: HostState, vm: UbVm, change: {added: Array<{device: string; guid: string}>; removed: Array<{device: string; guid: string}>}): ChangeResult {
  const {trace, g, h} = begin(guest, host)
  try {
    for (const m of change.removed) unplugMember(g, h, m.device, m.guid, trace)
    for (const m of change.added) hotplugMember(g, h, vm, m.device, m.guid, trace)
    g.t_us = trace.t_us
    return {ok: true, host: h, guest: g, events: trace.events}
  } catch (error) {
    return failure(error, trace)
  }
}

/** Entity Level Reset: VFIO_DEVICE_RESET, then dev_token_id, dev_rs_access_en and bus_access_en cleared. */
export function resetDevice(guest: GuestState, host: HostState, deviceName: string): ChangeResult {
  const {trace, g, h} = begin(guest, host)
  try {
    const d = g.devices.find((x) => x.name === deviceName)
    if (!d) throw new WalkError('reset', 'qemu', `no device named ${deviceName} in the running VM`)
    trace.emit('reset', 'vfio-ub', 'VFIO_DEVICE_RESET', `${d.name}: ub_reset_entity (ELR, CFG1 ${hex(CFG.CFG1_ELR)})`, 'reset')
    for (const [off, name] of [[CFG.CFG1_TOKEN_ID, 'dev_token_id'], [CFG.CFG1_RS_ACCESS_EN, 'dev_rs_access_en'], [CFG.CFG1_BUS_ACCESS_EN, 'bus_access_en']] as const) {
      writeDword(d.cfg, off, 0)
      trace.emit('reset', 'vfio-ub', 'clear', `${d.name} ${hex(off)} ${name} = 0`, 'cfg')
    }
    d.ready = false
    trace.emit('reset', 'guest', 'not ready', `${d.name}: the driver must set token id and access enables again (readDword ${hex(readDword(d.cfg, CFG.CFG1_TOKEN_ID))})`, 'mmio')
    g.t_us = trace.t_us
    return {ok: true, host: h, guest: g, events: trace.events}
  } catch (error) {
    return failure(error, trace)
  }
}

/** VM stop: every device released, S2 HWPT and vIOMMU freed, BI unlocked, a placement-made BI destroyed. */
export function teardownVm(guest: GuestState, host: HostState): {host: HostState; events: TraceEvent[]} {
  const {trace, g, h} = begin(guest, host)
  for (const d of [...g.devices]) release(g, h, d.name, trace, 'teardown')
  teardownFusion(g, h, trace)
  if (g.ummu.iommufd && g.ummu.iommufd.s2HwptId !== 0)
    trace.emit('teardown', 'iommufd', 'free', `vIOMMU ${g.ummu.iommufd.viommuId} and S2 HWPT ${g.ummu.iommufd.s2HwptId}`, 'hwpt')
  if (g.busInstance.guid) {
    unlockInstance(h, g.busInstance.guid, g.name)
    trace.emit('teardown', 'ubc', 'unlock', `/run/libvirt/qemu/ub-bus-instance-${g.busInstance.guid}.lock`, 'sysfs')
    if (g.busInstance.createdByPlacement && findInstance(h, g.busInstance.guid)) {
      try {
        destroyBusInstance(h, g.busInstance.guid)
        trace.emit('teardown', 'ubus', 'BI_DESTROY', `${g.busInstance.guid} (UBSE free_devices)`, 'ioctl')
      } catch (error) {
        if (!(error instanceof HostError)) throw error
        trace.emit('teardown', 'ubus', 'BI_DESTROY', `${g.busInstance.guid} kept: ${error.text}`, 'ioctl')
      }
    }
  }
  return {host: h, events: trace.events}
}
