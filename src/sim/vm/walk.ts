// The boot walk of a UB VM, in the real stack's order and words (ub-stack.md §10 D–F): libvirt prepare,
// QEMU realize, firmware, guest ubfi, guest UMMU init, msgq init and topology scan through the virtual Bus
// Controller, config accesses as UB_CFG0/1 messages, UBBA/ERS mapping, TID/UEID, UMMU tables, USI, a DMA
// check, device ready. Each failure the real stack has stops the walk with that stack's message; the host
// state is only changed when the whole walk succeeds.
import {parseGuid, sameExceptSeq, UbGuidType} from '../../definition/guid.js'
import type {UbDevice, UbVm} from '../../definition/normalize.js'
import {HostError} from '../host/errors.js'
import {
  bindToInstance,
  createBusInstance,
  findEntityByGuid,
  findInstance,
  instanceByEid,
  isDynamic,
  lockInstance,
  probeDriver,
  resolvePoolRequest,
  setDriverOverride,
  unbindDriver,
} from '../host/instances.js'
import type {HostEntity, HostState} from '../host/model.js'
import {encodeTlvs, decodeTlvs, TLV_PORT_INFO, TLV_PORT_NUM, TLV_SLICE_INFO, TLV_CAP_INFO, type Tlv} from '../host/tlv.js'
import {CFG, type ConfigSpace, messageCode, MESSAGE_NAME, portBasic, readDword, write64, writeDword, writeGuid} from './cfgspace.js'
import {buildFirmware, type Firmware, HI_MSGQ_DEPTH, UBC_INTERRUPT_ID_START, UMMU_RESERVED_TID_NUM} from './firmware.js'
import {Trace, type TraceEvent} from './trace.js'
import {CMD, dmaCheck, newUmmu, ST_MODE, UMMU_INTERRUPT_ID, UMMU_REG, type UmmuState} from './ummu.js'

export interface GuestDevice {
  name: string
  hostGuid: string
  guestGuid: string
  hostUent: number
  /** the driver the host entity had before vfio-ub took it, restored at release */
  originalDriver: string | null
  eid: number
  cna: number
  ueid: number
  tid: number
  tag: number
  ports: number
  links: Array<{port: number; controllerPort: number}>
  ubba: [string, string, string]
  cfg: ConfigSpace
  usi: {mode: 'passthrough' | 'emulated'; vectors: number; enabled: boolean; routes: Array<{vector: number; gsi: number; irqfd: boolean}>}
  ready: boolean
}

export interface GuestState {
  name: string
  seed: number
  t_us: number
  busInstance: {guid: string; eid: number; createdByPlacement: boolean}
  controller: {guid: string; eid: number; ports: number; cna: number}
  ummu: UmmuState
  firmware: Firmware
  devices: GuestDevice[]
  nextGsi: number
  nextTag: number
  nextTid: number
  nextCna: number
  /** next free guest UB address for ERS mapping (UB_MMIO window) */
  nextUbba: string
}

export type WalkFailure = {ok: false; error: {phase: string; component: string; message: string}; events: TraceEvent[]}
export type BootResult = {ok: true; host: HostState; guest: GuestState; events: TraceEvent[]} | WalkFailure

/** A failure of the real stack, carrying where it happened. */
export class WalkError extends Error {
  constructor(
    readonly phase: string,
    readonly component: string,
    message: string,
  ) {
    super(message)
  }
}

const hex = (n: number | bigint) => '0x' + n.toString(16)

export function bootVm(vm: UbVm, hostIn: HostState, opts: {seed?: number} = {}): BootResult {
  const seed = opts.seed ?? 1
  const trace = new Trace(0, seed)
  const host: HostState = structuredClone(hostIn)
  try {
    if (!vm.ub) {
      trace.emit('guest', 'vm', 'ready', `${vm.name}: no UB devices`, 'realize')
      return {ok: true, host, guest: emptyGuest(vm, seed, trace), events: trace.events}
    }
    const guest = emptyGuest(vm, seed, trace)
    const devices = placeDevices(vm, host, guest, trace)
    realizeBus(vm, host, guest, trace)
    for (const {device, originalDriver} of devices) realizeDevice(device, vm, host, guest, trace, originalDriver)
    finallySetup(guest, trace)
    guestBoot(guest, trace)
    for (const d of guest.devices) setupInGuest(d, guest, trace, 'guest config')
    for (const f of vm.ub.fusion)
      trace.emit('qemu realize', 'fusion', 'skip', `${f.name}: fusion devices are not part of this walk (no public FusionD source)`, 'mmio')
    guest.t_us = trace.t_us
    return {ok: true, host, guest, events: trace.events}
  } catch (error) {
    return failure(error, trace)
  }
}

export function failure(error: unknown, trace: Trace): WalkFailure {
  if (error instanceof WalkError) {
    trace.emit(error.phase, error.component, 'error', error.message, 'mmio')
    return {ok: false, error: {phase: error.phase, component: error.component, message: error.message}, events: trace.events}
  }
  if (error instanceof HostError) {
    trace.emit('libvirt prepare', 'host', 'error', `${error.errno}: ${error.message}`, 'mmio')
    return {ok: false, error: {phase: 'libvirt prepare', component: 'host', message: `-${error.errno}: ${error.message}`}, events: trace.events}
  }
  throw error
}

function emptyGuest(vm: UbVm, seed: number, trace: Trace): GuestState {
  const ub = vm.ub
  return {
    name: vm.name,
    seed,
    t_us: trace.t_us,
    busInstance: {guid: ub?.busInstance.guid ?? '', eid: 0, createdByPlacement: false},
    controller: {guid: ub?.controller.guid ?? '', eid: ub?.controller.eid ?? 1, ports: ub?.controller.ports ?? 0, cna: 0},
    ummu: newUmmu(ub?.ummu.nested ?? false),
    firmware: buildFirmware(ub?.controller.guid ?? '', ub?.busInstance.type.endsWith('cluster') ?? false),
    devices: [],
    nextGsi: 64,
    nextTag: 1,
    nextTid: UMMU_RESERVED_TID_NUM + 1,
    nextCna: 1,
    nextUbba: '0x8000000000',
  }
}

/** libvirt managed='yes': vfio-ub through driver_override, then drivers_probe. Returns the driver it had. */
export function prepareDriver(host: HostState, e: HostEntity, trace: Trace): string | null {
  const P = 'libvirt prepare'
  const original = e.driver === 'vfio-ub' ? null : e.driver
  if (original) {
    unbindDriver(host, e.uentNum)
    trace.emit(P, 'virub', 'unbind', `/sys/bus/ub/devices/${hex5(e.uentNum)}/driver/unbind (${original})`, 'sysfs')
  }
  setDriverOverride(host, e.uentNum, 'vfio-ub')
  probeDriver(host, e.uentNum)
  trace.emit(P, 'virub', 'driver_override', `/sys/bus/ub/devices/${hex5(e.uentNum)}/driver_override = vfio-ub; drivers_probe`, 'sysfs')
  return original
}

/** The device list with pool requests resolved to host devices (what UBSE's alloc_devices does). */
function placeDevices(vm: UbVm, host: HostState, guest: GuestState, trace: Trace): Array<{device: UbDevice; originalDriver: string | null}> {
  const ub = vm.ub!
  const P = 'libvirt prepare'
  const taken = new Set(ub.devices.flatMap((d) => (d.host ? [d.host.guid] : [])))
  const devices = ub.devices.map((d) => {
    if (d.host) return d
    const e = resolvePoolRequest(host, d.pool!, taken)
    if (!e) throw new WalkError(P, 'UBPRM', `no free pooled ${d.pool!.class} satisfies ${d.name} (${d.pool!.bandwidth ?? 'any bandwidth'}, ${d.pool!.queues ?? 'any'} queues)`)
    taken.add(e.guid)
    trace.emit(P, 'UBPRM', 'alloc_devices', `${d.name}: pool request ${d.pool!.class} → ${e.guid} (${e.pool!.card})`, 'ioctl')
    return {...d, host: {guid: e.guid}, guestGuid: e.guid}
  })
  let bi = findInstance(host, ub.busInstance.guid)
  if (!bi) {
    bi = createBusInstance(host, {guid: ub.busInstance.guid, eid: ub.busInstance.eid, upi: ub.busInstance.upi})
    guest.busInstance.createdByPlacement = true
    trace.emit(P, 'ubus', 'BI_CREATE', `ubus_cmd_bi_create: ${bi.guid} type ${bi.type} eid ${hex(bi.eid)} upi ${hex(bi.upi)}; ummu_core_add_eid`, 'ioctl')
  }
  guest.busInstance.eid = bi.eid
  // UBSE only binds into dynamic BIs; with a static one QEMU's vfio-ub realize will refuse the devices.
  if (!isDynamic(bi)) trace.emit(P, 'ubus', 'bind', `${bi.guid} is a static bus instance (type ${bi.type}): devices left where they are`, 'ioctl')
  for (const d of devices) {
    const e = findEntityByGuid(host, d.host!.guid)
    if (!e) throw new WalkError(P, 'virub', `no UB device with guid ${d.host!.guid} under /sys/bus/ub/devices`)
    const type = parseGuid(e.guid)!.type
    if (type !== UbGuidType.CONTROLLER && type !== UbGuidType.ICONTROLLER) throw new WalkError(P, 'virub', `ub device(${e.guid}) guid type ${type} is not a device (1) or idevice (2)`)
    const current = instanceByEid(host, e.instanceEid)
    if (isDynamic(bi) && (!current || !isDynamic(current) || current.guid !== bi.guid)) {
      bindToInstance(host, bi.guid, e.guid)
      trace.emit(P, 'ubus', 'bind', `ubus_cmd_bi_bind{instance_guid ${bi.guid}, dev_guid ${e.guid}}: ub_entity_decoder_map_mmio`, 'ioctl')
    }
  }
  return devices.map((device) => ({device, originalDriver: prepareDriver(host, findEntityByGuid(host, device.host!.guid)!, trace)}))
}

function realizeBus(vm: UbVm, host: HostState, guest: GuestState, trace: Trace): void {
  const ub = vm.ub!
  const Q = 'qemu realize'
  trace.emit(Q, 'ub-bus-controller', 'realize', 'sysbus device ubc.0: bus ubus.0 (UB_BUS), msgq, fm-msgq, UB_MMIO regions', 'realize')
  if (ub.ummu.nested && !ub.ummu.iommufd) throw new WalkError(Q, 'vfio-ub', 'iommufd is require for nested ummu.')
  trace.emit(Q, 'ub-ummu', 'realize', `ummu.0 primary-bus=ubus.0 nested=${ub.ummu.nested ? 'on' : 'off'}`, 'realize')
  if (parseGuid(ub.controller.guid)?.type !== UbGuidType.ICONTROLLER)
    throw new WalkError(Q, 'ubc', `ubc guid ${ub.controller.guid} type must be IBUS_CONTROLLER (2)`)
  const bi = findInstance(host, ub.busInstance.guid)!
  try {
    lockInstance(host, bi.guid, vm.name)
  } catch (error) {
    throw new WalkError(Q, 'ubc', (error as Error).message)
  }
  trace.emit(Q, 'ubc', 'realize', `eid ${hex(ub.controller.eid)} guid ${ub.controller.guid} bus_instance_guid ${bi.guid} portnum ${ub.controller.ports}; flock /run/libvirt/qemu/ub-bus-instance-${bi.guid}.lock`, 'realize')
  const used = new Map<number, string>()
  for (const d of ub.devices)
    for (const l of d.links) {
      if (l.port >= d.ports || l.controllerPort >= ub.controller.ports || used.has(l.controllerPort))
        throw new WalkError(Q, 'ub', `The neighbor information of the two devices does not match (${d.name} port ${l.port} ↔ ubc.0 port ${l.controllerPort}${used.has(l.controllerPort) ? `, already linked to ${used.get(l.controllerPort)}` : ''})`)
      used.set(l.controllerPort, d.name)
    }
}

/** hw/vfio/ub.c realize, steps 1–13 of ub-stack.md §4.4, for one device. */
export function realizeDevice(d: UbDevice, vm: UbVm, host: HostState, guest: GuestState, trace: Trace, originalDriver: string | null): GuestDevice {
  const ub = vm.ub!
  const Q = 'qemu realize'
  const e = findEntityByGuid(host, d.host!.guid)!
  const hostGuid = e.guid
  const guestGuid = d.guestGuid ?? hostGuid

  if (!sameExceptSeq(guestGuid, hostGuid)) throw new WalkError(Q, 'vfio-ub', `vfio_check_guid: guid ${guestGuid} does not match host device ${hostGuid} (only seq_num may differ)`)
  const type = parseGuid(guestGuid)!.type
  if (type !== UbGuidType.CONTROLLER && type !== UbGuidType.ICONTROLLER) throw new WalkError(Q, 'vfio-ub', `vfio_check_guid: guid type ${type} must be 1 or 2`)
  trace.emit(Q, 'vfio-ub', 'vfio_check_guid', `${d.name}: guest ${guestGuid} vs host ${hostGuid}`, 'mmio')
  trace.emit(Q, 'vfio-ub', 'sysfsdev', `/sys/bus/ub/devices/${hex5(e.uentNum)}`, 'sysfs')
  const bi = instanceByEid(host, e.instanceEid)
  if (!bi || !isDynamic(bi)) throw new WalkError(Q, 'vfio-ub', `ub device(${hostGuid}) not bind to dynamic bus instance`)
  if (bi.guid !== ub.busInstance.guid) throw new WalkError(Q, 'vfio-ub', `bus_instance_verify: ub device(${hostGuid}) is on bus instance ${bi.guid}, ubc.0 uses ${ub.busInstance.guid}`)
  trace.emit(Q, 'vfio-ub', 'bus_instance_verify', `instance eid ${hex(bi.eid)} type ${bi.type} (dynamic)`, 'sysfs')
  trace.emit(Q, 'vfio-ub', 'vfio_attach_device', `${d.name}: address space from ummu.0 (eid ${hex(d.eid)})`, 'ioctl')
  e.ers.forEach((r, i) => {
    const size = BigInt(r.size)
    if (size > 0n && (size & (size - 1n)) !== 0n) throw new WalkError(Q, 'vfio-ub', `ub_register_ers: ERS${i} size ${r.size} is not a power of 2`)
  })
  trace.emit(Q, 'vfio-ub', 'vfio_populate_device', `regions ${d.name}-ERS0 ${e.ers[0].size}, ${d.name}-ERS1 ${e.ers[1].size}, ${d.name}-ERS2 ${e.ers[2].size}, config`, 'ioctl')

  const cfg: ConfigSpace = {}
  writeDword(cfg, CFG.CFG0_PORT_UE, (1 << 16) | d.ports) // total_num_of_ue forced to 1: "Only FE0 is supported in VM"
  writeGuid(cfg, guestGuid)
  writeDword(cfg, CFG.CFG1_SUPPORT, 0b11101) // mgs, ubbas=1 ("UBBA must exist in VM for mmio mmap"), ers0s..ers2s
  e.ers.forEach((r, i) => writeDword(cfg, CFG.CFG1_ERS_SIZE + 4 * i, Number(BigInt(r.size) >> 12n)))
  writeDword(cfg, CFG.CFG1_CLASS_CODE, e.classCode)
  const vectors = Math.min(d.usi.vectors, e.usiVectors || d.usi.vectors)
  writeDword(cfg, CFG.INT2_VEC_TABLE_NUM, ((vectors - 1) & 0xffff) | (((vectors - 1) & 0xffff) << 16))
  write64(cfg, CFG.INT2_VEC_TABLE_START, 0x0n)
  write64(cfg, CFG.INT2_ADDR_TABLE_START, BigInt(vectors * 8))
  write64(cfg, CFG.INT2_PEND_TABLE_START, BigInt(vectors * 8 + vectors * 32))
  for (const l of d.links) writeDword(cfg, portBasic(l.port) + 0x28, l.controllerPort) // neighbor_port_info
  trace.emit(Q, 'vfio-ub', 'config', `${d.name}: CFG0/CFG1 copied, total_num_of_ue=1, EID/FM-EID/primary CNA zeroed, ubbas=1, ${d.ports} port slice(s)`, 'realize')
  trace.emit(Q, 'vfio-ub', 'usi early setup', `INT TYPE2: ${vectors} vectors; vec/addr/pending tables split out of the ERS0 mmap`, 'mmio')
  if (ub.ummu.nested) {
    const fd = guest.ummu.iommufd!
    if (fd.s2HwptId === 0) {
      fd.s2HwptId = fd.nextId++
      fd.viommuId = fd.nextId++
      trace.emit(Q, 'iommufd', 'alloc S2 HWPT', `iommufd_backend_alloc_hwpt(IOMMU_HWPT_ALLOC_NEST_PARENT) = ${fd.s2HwptId}`, 'hwpt')
      trace.emit(Q, 'iommufd', 'alloc vIOMMU', `iommufd_backend_alloc_viommu(IOMMU_VIOMMU_TYPE_UMMU, s2 ${fd.s2HwptId}) = ${fd.viommuId}`, 'hwpt')
    } else trace.emit(Q, 'iommufd', 'attach S2 HWPT', `${d.name} → hwpt ${fd.s2HwptId}`, 'ioctl')
  }
  const gd: GuestDevice = {
    name: d.name,
    hostGuid,
    guestGuid,
    hostUent: e.uentNum,
    originalDriver,
    eid: d.eid,
    cna: 0,
    ueid: 0,
    tid: 0,
    tag: 0,
    ports: d.ports,
    links: d.links,
    ubba: ['0x0', '0x0', '0x0'],
    cfg,
    usi: {mode: d.usi.mode, vectors, enabled: false, routes: []},
    ready: false,
  }
  guest.devices.push(gd)
  trace.emit(Q, 'vfio-ub', 'realized', `${d.name} (uent ${hex5(e.uentNum)}) as eid ${hex(d.eid)} on ubus.0`, 'realize')
  return gd
}

function finallySetup(guest: GuestState, trace: Trace): void {
  const F = 'firmware'
  trace.emit('qemu realize', 'ub', 'ub_dev_finally_setup', `bus instance verified, ${guest.devices.length} device(s) wired to ubc.0 port slices, UBC GUID into UBIOS`, 'mmio')
  const fw = guest.firmware
  trace.emit(F, 'ub_acpi', 'UBIOS', `"${fw.ubios.name}" v${fw.ubios.version}: ${fw.ubios.tables.map((t) => `"${t}"`).join(', ')}`, 'firmware')
  const ubc = fw.busController.ubcs[0]
  trace.emit(F, 'ub_acpi', 'bus controller', `local cna/eid 1..65535, cluster_mode ${fw.busController.clusterMode}, interrupt_id ${hex(ubc.interruptIdStart)}..${hex(ubc.interruptIdEnd)}, msg_queue ${ubc.msgQueueBase} depth ${ubc.msgQueueDepth} irq ${ubc.msgQueueInterrupt}`, 'firmware')
  trace.emit(F, 'ub_acpi', 'ummu', `base ${fw.ummu.baseAddr} size ${fw.ummu.addrSize} interrupt_id ${hex(fw.ummu.interruptId)} tid ${hex(fw.ummu.minTid)}..${hex(fw.ummu.maxTid)} vendor ${hex(fw.ummu.venderId)}`, 'firmware')
  trace.emit(F, 'ub_acpi', 'rsv_mem', `${fw.rsvMem.base} + ${fw.rsvMem.size} (MSI IOVA window)`, 'firmware')
  trace.emit(F, 'ub_acpi', 'UBRT', fw.ubrt.map((s) => `type ${s.type} ${s.name}`).join('; '), 'firmware')
  trace.emit(F, 'ub_acpi', 'DSDT/IORT', fw.dsdt.map((d) => `${d.device} _HID ${d.hid}`).join(', ') + `; IORT ids ${fw.iort.map((n) => hex(n.outputId)).join(', ')}`, 'firmware')
}

function guestBoot(guest: GuestState, trace: Trace): void {
  const u = guest.ummu
  trace.emit('guest ubfi', 'ubfi', 'parse UBRT', 'UBC0 (msgq, interrupt range, MMIO window) and UMU0 from the UBRT sub-tables', 'firmware')
  trace.emit('guest ummu init', 'ummu', 'TECT_BASE', `write ${hex(UMMU_REG.TECT_BASE0)}/${hex(UMMU_REG.TECT_BASE1)}, TECT_BASE_CFG ${hex(UMMU_REG.TECT_BASE_CFG)} = 2-level, split 10`, 'mmio')
  u.regs.TECT_BASE_CFG = 0x1
  trace.emit('guest ummu init', 'ummu', 'MCMDQ/EVENTQ', `MCMDQ base ${hex(UMMU_REG.MCMDQ_BASE)}, EVENT_QUE_BASE ${hex(UMMU_REG.EVENT_QUE_BASE0)}, USI interrupt_id ${hex(UMMU_INTERRUPT_ID)}`, 'mmio')
  u.regs.CTRL0 = 0b11
  trace.emit('guest ummu init', 'ummu', 'CTRL0', `UMMU_EN | EVENTQ_EN → CTRL0 ${hex(UMMU_REG.CTRL0)}, ack in CTRL0_ACK ${hex(UMMU_REG.CTRL0_ACK)}`, 'mmio')
  trace.emit('guest msgq init', 'hisi_ubus', 'msgq', `SQ_ADDR_L/H 0x0/0x4, RQ_ADDR_L/H 0x40/0x44, CQ_ADDR_L/H 0x70/0x74, depth ${HI_MSGQ_DEPTH}`, 'mmio')
  // topology scan from the controller: it answers from its emulated port slices
  const ctrlReply: Tlv[] = [{type: TLV_SLICE_INFO, totalSlice: 1}, {type: TLV_PORT_NUM, totalPorts: guest.controller.ports}]
  for (const d of guest.devices)
    for (const l of d.links) ctrlReply.push({type: TLV_PORT_INFO, port: {localPort: l.controllerPort, remotePort: l.port, remoteGuid: d.guestGuid, up: true, boundary: false, virtual: true, shareable: false}})
  ctrlReply.push({type: TLV_CAP_INFO, classCode: 0})
  const decoded = decodeTlvs(encodeTlvs(ctrlReply))
  guest.controller.cna = guest.nextCna++
  trace.emit('guest topology scan', 'vBusController', 'TOPO_QUERY', `ubc.0: ${decoded.filter((t) => t.type === TLV_PORT_INFO).length} linked port(s) of ${guest.controller.ports} (TLVs from emulated port slices)`, 'msg')
  trace.emit('guest topology scan', 'vBusController', 'NA_CFG', `ubc.0 primary cna ${hex(guest.controller.cna)}`, 'msg')
}

/** What the guest kernel does to one device: scan, config, UBBA, TID/UEID, UMMU tables, USI, DMA check. */
export function setupInGuest(d: GuestDevice, guest: GuestState, trace: Trace, phase: string): void {
  const cfg = d.cfg
  const msg = (offset: number, write: boolean, what: string, value?: number) => {
    if (write) writeDword(cfg, offset, value ?? 0)
    trace.emit(phase, 'vBusController', MESSAGE_NAME[messageCode(offset, write)], `${d.name} ${hex(offset)} ${what}${write ? ` = ${hex(value ?? 0)}` : ` → ${hex(readDword(cfg, offset))}`}`, 'cfg')
  }
  trace.emit(phase, 'vBusController', 'TOPO_QUERY', `${d.guestGuid}: port 0 ↔ ubc.0 port ${d.links[0]?.controllerPort}`, 'msg')
  d.cna = guest.nextCna++
  trace.emit(phase, 'vBusController', 'NA_CFG', `${d.name} primary cna ${hex(d.cna)}`, 'msg')
  msg(CFG.CFG0_GUID, false, 'guid')
  msg(CFG.CFG0_EID, true, 'eid', d.eid)
  msg(CFG.CFG0_PRIMARY_CNA, true, 'primary_cna', d.cna)
  d.ueid = guest.busInstance.eid
  msg(CFG.CFG0_UEID_LOW, true, 'ueid_low (bus instance eid)', d.ueid)
  // UBBA assignment and ERS mapping
  let next = BigInt(guest.nextUbba)
  for (let i = 0; i < 3; i++) {
    msg(CFG.CFG1_ERS_SIZE + 4 * i, false, `ers_space_size[${i}]`)
    const size = BigInt(readDword(cfg, CFG.CFG1_ERS_SIZE + 4 * i)) << 12n
    if (size === 0n) continue
    next = (next + size - 1n) & ~(size - 1n)
    d.ubba[i] = hex(next)
    write64(cfg, CFG.CFG1_ERS_UBBA + 8 * i, next)
    trace.emit(phase, 'vBusController', 'UB_CFG1_WRITE', `${d.name} ${hex(CFG.CFG1_ERS_UBBA + 8 * i)} ers_ubba[${i}] = ${hex(next)} → QEMU remaps ${d.name}-ERS${i} into UB_MMIO`, 'cfg')
    next += size
  }
  guest.nextUbba = hex(next)
  msg(CFG.CFG1_RS_ACCESS_EN, true, 'dev_rs_access_en', 1)
  d.tid = guest.nextTid++
  msg(CFG.CFG1_TOKEN_ID, true, 'dev_token_id', d.tid)
  msg(CFG.CFG1_BUS_ACCESS_EN, true, 'bus_access_en', 1)
  // UMMU: KV table, TECT/TCT, stage-1 tables
  const u = guest.ummu
  d.tag = guest.nextTag++
  u.kv[String(d.ueid)] ??= d.tag
  const tag = u.kv[String(d.ueid)]
  d.tag = tag
  u.commands += 1
  trace.emit(phase, 'ummu', 'CMD_CREATE_KVTBL', `opcode ${hex(CMD.CMD_CREATE_KVTBL)}: dst_eid ${hex(d.ueid)} → tecte_tag ${tag}`, 'cmd')
  const stMode = u.nested ? ST_MODE.NESTED : ST_MODE.S1
  u.tect[String(tag)] = {v: true, stMode, tctNum: 20}
  u.tct[String(tag)] ??= {}
  u.tct[String(tag)][String(d.tid)] = {v: true, ttba: hex(0x40000000n + BigInt(d.tid) * 0x1000n), tgs: 0}
  u.maps[String(tag)] ??= {}
  u.maps[String(tag)][String(d.tid)] = [{uba: '0x100000000', size: '0x10000000', perm: 'rw'}]
  u.commands += 3
  trace.emit(phase, 'ummu', 'CMD_CFGI_TECT', `opcode ${hex(CMD.CMD_CFGI_TECT)}: TECTE ${tag} V=1 ST_MODE=${stMode} (${u.nested ? 'nested' : 'S1'})`, 'cmd')
  trace.emit(phase, 'ummu', 'CMD_CFGI_TCT', `opcode ${hex(CMD.CMD_CFGI_TCT)}: TCTE tag ${tag} token ${hex(d.tid)} TTBA ${u.tct[String(tag)][String(d.tid)].ttba}, TGS 4K`, 'cmd')
  trace.emit(phase, 'ummu', 'CMD_SYNC', `opcode ${hex(CMD.CMD_SYNC)}`, 'cmd')
  if (u.iommufd) {
    const id = u.iommufd.nextId++
    u.iommufd.s1Hwpt[d.name] = id
    trace.emit(phase, 'iommufd', 'install S1 HWPT', `ummu_dev_install_nested_tecte: iommufd_backend_alloc_hwpt(viommu ${u.iommufd.viommuId}, IOMMU_HWPT_DATA_UMMU) = ${id}, attached`, 'hwpt')
  }
  // USI
  writeDword(cfg, CFG.INT2_INTERRUPT_ID, UBC_INTERRUPT_ID_START + 0x100 + d.eid)
  for (let v = 0; v < d.usi.vectors; v++) d.usi.routes.push({vector: v, gsi: guest.nextGsi++, irqfd: d.usi.mode === 'passthrough'})
  trace.emit(phase, 'usi', 'tables', `${d.name}: ${d.usi.vectors} vector (8 B) and address (32 B) entries, pending bits, in ERS0`, 'mmio')
  msg(CFG.INT2_ENABLE, true, 'INT TYPE2 interrupt_enable', 1)
  d.usi.enabled = true
  if (d.usi.mode === 'passthrough') {
    trace.emit(phase, 'kvm', 'kvm_irqchip_add_usi_route', `${d.usi.vectors} route(s), interrupt_id ${hex(readDword(cfg, CFG.INT2_INTERRUPT_ID))}, gsi ${d.usi.routes[0].gsi}..${d.usi.routes.at(-1)!.gsi}`, 'route')
    trace.emit(phase, 'kvm', 'irqfd', `kvm_irqchip_add_irqfd_notifier_gsi × ${d.usi.vectors}`, 'route')
    trace.emit(phase, 'vfio-ub', 'VFIO_DEVICE_SET_IRQS', `VFIO_UB_INTR_IRQ_INDEX, ${d.usi.vectors} eventfd(s) vfio-ub-intr[0..${d.usi.vectors - 1}](${d.name})`, 'ioctl')
  } else trace.emit(phase, 'usi', 'usi_notify', `${d.name}: ${d.usi.vectors} vector(s) injected by QEMU (emulated)`, 'route')
  // a DMA check: the device's first mapped page, as EID + TokenID + UBA
  const dma = dmaCheck(u, d.ueid, d.tid, 0x100000000n, true)
  if (!dma.ok) throw new WalkError(phase, 'ummu', `DMA check failed for ${d.name}: event ${dma.event} (${dma.code})`)
  trace.emit(phase, 'ummu', 'dma check', `${d.name}: EID ${hex(d.ueid)} + TokenID ${hex(d.tid)} + UBA 0x100000000 → KV ${dma.tag} → TECT ST_MODE ${dma.stMode} → TCT → S1 page: write allowed`, 'dma')
  d.ready = true
  trace.emit(phase, 'guest', 'ready', `${d.name} (${d.guestGuid}) eid ${hex(d.eid)} cna ${hex(d.cna)} tid ${hex(d.tid)}`, 'mmio')
}

const hex5 = (n: number) => n.toString(16).padStart(5, '0')

export type {HostEntity}
