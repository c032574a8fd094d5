// QEMU's UB bus controller (hw/ub/ub_ubc.c, hw/ub/ub.c, hw/ub/ub_enum.c): the `ubc` device realized with an
// IBUS_CONTROLLER GUID and its bus-instance lock, the port wiring between the controller and the devices,
// and the virtual Bus Controller's answers to the guest's TOPO_QUERY, built from the emulated port slices.
import type {UbVm} from '../../definition/normalize.js'
import {parseGuid} from '../../definition/guid.js'
import {findInstance, lockInstance} from '../host/instances.js'
import type {HostState} from '../host/model.js'
import {decodeTopoReply, encodeTopoReply, type PortSlice, PORTS_PER_SLICE} from '../host/tlv.js'
import {type GuestState, hex, WalkError} from './guest.js'
import type {Trace} from './trace.js'

const Q = 'qemu realize'
const UB_GUID_TYPE_IBUS_CONTROLLER = 2
export const UBC_ID = 'ubc.0'

export function realizeBus(vm: UbVm, host: HostState, guest: GuestState, trace: Trace): void {
  const ub = vm.ub!
  trace.emit(Q, 'ub-bus-controller', 'realize', `sysbus device: bus ubus.0 (UB_BUS), msgq, fm-msgq, UB_MMIO regions`, 'realize')
  trace.emit(Q, 'ub-ummu', 'realize', `ummu.0 primary-bus=ubus.0 nested=${ub.ummu.nested ? 'on' : 'off'}`, 'realize')
  const type = parseGuid(ub.controller.guid)?.type
  if (type !== UB_GUID_TYPE_IBUS_CONTROLLER) throw new WalkError(Q, 'ubc', `${UBC_ID} device type set error, expect: ${UB_GUID_TYPE_IBUS_CONTROLLER}, actual: ${type}`)
  const bi = findInstance(host, ub.busInstance.guid)!
  if (!lockInstance(host, bi.guid, vm.name)) throw new WalkError(Q, 'ubc', 'ubc bus instance guid lock failed, it may used by other vm')
  trace.emit(Q, 'ubc', 'realize', `eid ${hex(ub.controller.eid)} guid ${ub.controller.guid} bus_instance_guid ${bi.guid} portnum ${ub.controller.ports}; flock /run/libvirt/qemu/ub-bus-instance-${bi.guid}.lock`, 'realize')
  const used = new Map<number, string>()
  for (const d of ub.devices)
    for (const l of d.links) {
      if (l.port >= d.ports) throw new WalkError(Q, 'ub', `${d.name} local port info is illegal, port idx:${l.port} port num ${d.ports}`)
      if (l.controllerPort >= ub.controller.ports) throw new WalkError(Q, 'ub', `${d.name} neighbor port info is illegal, port idx:${l.controllerPort} port num ${ub.controller.ports}`)
      const other = used.get(l.controllerPort)
      if (other) throw new WalkError(Q, 'ub', `The neighbor information of the two devices does not match each other. ${d.name} set (${d.name}:${l.port} = ${UBC_ID}:${l.controllerPort}) BUT neighbor ${UBC_ID} already set (${UBC_ID}:${l.controllerPort} = ${other})`)
      used.set(l.controllerPort, `${d.name}:${l.port}`)
    }
}

/** The controller's emulated port slices: a port is up when a device's neighbour info names it. */
export function controllerSlices(guest: GuestState): PortSlice[] {
  const slices: PortSlice[] = Array.from({length: guest.controller.ports}, (_, index) => ({index, boundary: false, virtual: false}))
  for (const d of guest.devices) for (const l of d.links) slices[l.controllerPort] = {index: l.controllerPort, remoteGuid: d.guestGuid, remoteIndex: l.port, boundary: false, virtual: false}
  return slices
}

/**
 * The guest's ub_enum_ent of ubc.0: one TOPO_QUERY per slice of 7 ports, answered by handle_enum_query_request
 * and parsed by the kernel's TLV walk. Returns the up ports as the guest sees them.
 */
export function queryController(guest: GuestState, trace: Trace, phase: string, only?: number): Array<{port: number; remoteGuid: string; remotePort: number}> {
  const slices = controllerSlices(guest)
  const buf = Buffer.alloc(4096)
  const total = Math.ceil(slices.length / PORTS_PER_SLICE)
  const up: Array<{port: number; remoteGuid: string; remotePort: number}> = []
  const first = only === undefined ? 0 : Math.floor(only / PORTS_PER_SLICE)
  const last = only === undefined ? total - 1 : first
  for (let slice = first; slice <= last; slice++) {
    const reply = decodeTopoReply(buf, encodeTopoReply(buf, guest.controller.guid, slices, slice, 0))
    for (const p of reply.ports) if (p.s) up.push({port: p.localPortIdx, remoteGuid: p.remoteGuid, remotePort: p.remotePortIdx})
    if (slice === first) trace.emit(phase, 'vBusController', 'TOPO_QUERY', `${UBC_ID} slice ${slice}${only === undefined ? `..${last} (${total} PDUs)` : ''}: PORT_INFO for every port, s=0 and w=1 when down; PORT_NUM ${slices.length}, SLICE_INFO, CAP_INFO class 0x0000 in slice 0`, 'msg')
  }
  return up
}
