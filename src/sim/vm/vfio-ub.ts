// QEMU's vfio-ub device (hw/vfio/ub.c): realize in QEMU's order — vfio_check_guid, the host device found
// in sysfs by GUID, its bus instance dynamic and the controller's (bus_instance_verify), iommufd for a
// nested UMMU, attach, regions "<%05x>-ERS<n>", a copy of the config space with the emulated bits (FE0
// only, EID/FM-EID/CNA zeroed, ubbas=1, UBBA cleared for a DEVICE and pre-assigned for an IDEVICE), USI
// early setup, ERS registration, the S2 HWPT and vIOMMU, USI init and the REINIT interrupt.
import {parseGuid} from '../../definition/guid.js'
import type {UbDevice, UbVm} from '../../definition/normalize.js'
import {uentName} from '../host/cformat.js'
import {findEntityByGuid, instanceByEid, isDynamic} from '../host/instances.js'
import type {HostState} from '../host/model.js'
import {CFG, portBasic, write64, writeDword, writeGuid} from './cfgspace.js'
import {allocIdevErs, type GuestDevice, type GuestState, hex, WalkError} from './guest.js'
import type {Trace} from './trace.js'

const Q = 'qemu realize'
/** Cfg1SupportFeature bits (include/hw/ub/ub_config.h). */
export const CFG1_FEATURE = {mgs: 1 << 2, ubbas: 1 << 5, ers0s: 1 << 6, ers1s: 1 << 7, ers2s: 1 << 8} as const
const UB_GUID_TYPE_DEVICE = 1
const UB_GUID_TYPE_IDEVICE = 2

export function realizeDevice(d: UbDevice, vm: UbVm, host: HostState, guest: GuestState, trace: Trace, originalDriver: string | null): GuestDevice {
  const ub = vm.ub!
  const id = d.name
  const hostGuid = d.host!.guid.toLowerCase()
  const guestGuid = (d.guestGuid ?? hostGuid).toLowerCase()
  const g = parseGuid(guestGuid)!
  const h = parseGuid(hostGuid)!
  // vfio_check_guid
  if (g.type !== UB_GUID_TYPE_DEVICE && g.type !== UB_GUID_TYPE_IDEVICE) throw new WalkError(Q, 'vfio-ub', `${id} device type set error, expect: 1 or 2, actual: ${g.type}`)
  if (g.type !== h.type || g.vendor !== h.vendor || g.rsv !== h.rsv || g.device !== h.device || g.version !== h.version) throw new WalkError(Q, 'vfio-ub', `${id} guid and host are not matching`)
  trace.emit(Q, 'vfio-ub', 'vfio_check_guid', `${id}: guest ${guestGuid} vs host ${hostGuid}`, 'mmio')
  // sysfs_get_dev_number_by_guid, then the bus instance from the device's sysfs `instance`
  const e = findEntityByGuid(host, hostGuid)
  if (!e) throw new WalkError(Q, 'vfio-ub', `not found device, guid: ${hostGuid}`)
  const sysfsdev = `/sys/bus/ub/devices/${uentName(e.uentNum)}`
  trace.emit(Q, 'vfio-ub', 'sysfsdev', sysfsdev, 'sysfs')
  const bi = instanceByEid(host, e.instanceEid)
  if (!bi || !isDynamic(bi)) throw new WalkError(Q, 'vfio-ub', `ub device(${sysfsdev}) not bind to dynamic bus instance`)
  if (bi.eid !== guest.busInstance.eid) throw new WalkError(Q, 'vfio-ub', `ub dev(guid: ${guestGuid}) bus instance eid verify failed: expect ${hex(guest.busInstance.eid)}, actual ${hex(bi.eid)}`)
  trace.emit(Q, 'vfio-ub', 'bus_instance_verify', `instance eid ${hex(bi.eid)} type ${bi.type} (dynamic) = ubc.0's`, 'sysfs')
  const name = uentName(e.uentNum) // vbasedev.name: basename of sysfsdev
  if (ub.ummu.nested && !ub.ummu.iommufd) throw new WalkError(Q, 'vfio-ub', `vfio ${name}: iommufd is require for nested ummu.`)
  trace.emit(Q, 'vfio-ub', 'vfio_attach_device', `${name}: address space of ummu.0 (eid ${hex(d.eid)})`, 'ioctl')
  e.ers.forEach((r, i) => {
    const size = BigInt(r.size)
    if (size > 0n && (size & (size - 1n)) !== 0n) throw new WalkError(Q, 'vfio-ub', `vfio ${name}: ERS${i} size ${r.size} is not a power of 2 (UBBA alignment)`)
  })
  trace.emit(Q, 'vfio-ub', 'vfio_populate_device', `regions ${e.ers.map((r, i) => `${name}-ERS${i} ${r.size}`).join(', ')}, config`, 'ioctl')

  // vfio_copy_config_space + vfio_emulate_bits_init
  const cfg: GuestDevice['cfg'] = {}
  writeDword(cfg, CFG.CFG0_PORT_UE, (1 << 16) | d.ports) // total_num_of_ue = 1: "Only FE0 is supported in VM"
  writeGuid(cfg, guestGuid)
  let feature = CFG1_FEATURE.ubbas // "UBBA must exist in VM for mmio mmap"
  e.ers.forEach((r, i) => {
    if (BigInt(r.size) > 0n) feature |= [CFG1_FEATURE.ers0s, CFG1_FEATURE.ers1s, CFG1_FEATURE.ers2s][i]
    writeDword(cfg, CFG.CFG1_ERS_SIZE + 4 * i, Number(BigInt(r.size) >> 12n))
  })
  writeDword(cfg, CFG.CFG1_SUPPORT, feature)
  writeDword(cfg, CFG.CFG1_CLASS_CODE, e.classCode)
  const ubba: GuestDevice['ubba'] = ['0x0', '0x0', '0x0']
  const idevice = g.type === UB_GUID_TYPE_IDEVICE && (e.classCode & 0xff) !== 0
  if (idevice)
    e.ers.forEach((r, i) => {
      const size = BigInt(r.size)
      if (size === 0n) return
      const at = allocIdevErs(guest, size)
      if (at < 0n) throw new WalkError(Q, 'vfio-ub', `vfio ${name}: failed to alloc address space for idev.`)
      ubba[i] = hex(at)
      write64(cfg, CFG.CFG1_ERS_UBBA + 8 * i, at)
    })
  const vectors = Math.min(d.usi.vectors, e.usiVectors || d.usi.vectors)
  writeDword(cfg, CFG.INT2_VEC_TABLE_NUM, ((vectors - 1) & 0xffff) | (((vectors - 1) & 0xffff) << 16))
  write64(cfg, CFG.INT2_VEC_TABLE_START, 0x0n)
  write64(cfg, CFG.INT2_ADDR_TABLE_START, BigInt(vectors * 8))
  write64(cfg, CFG.INT2_PEND_TABLE_START, BigInt(vectors * 8 + vectors * 32))
  for (const l of d.links) writeDword(cfg, portBasic(l.port) + 0x28, l.controllerPort) // neighbor_port_info
  trace.emit(Q, 'vfio-ub', 'config', `${name}: CFG0/CFG1 copied; total_num_of_ue=1, EID/FM-EID/primary CNA zeroed, support_feature ${hex(feature)} (ubbas=1), ${idevice ? `IDEVICE: UBBA pre-assigned from VIRT_UB_IDEV_ERS ${ubba.filter((u) => u !== '0x0').join(', ')}` : 'DEVICE: UBBA cleared for the guest to assign'}`, 'realize')
  trace.emit(Q, 'vfio-ub', 'usi early setup', `${name}: INT TYPE2 ${vectors} vectors; vec/addr/pending tables split out of the ERS0 mmap`, 'mmio')
  trace.emit(Q, 'vfio-ub', 'vfio_ers_register', e.ers.flatMap((r, i) => (BigInt(r.size) > 0n ? [`${name}-ERS${i}`] : [])).join(', '), 'mmio')
  if (ub.ummu.nested) {
    const fd = guest.ummu.iommufd!
    if (fd.s2HwptId === 0) {
      fd.s2HwptId = fd.nextId++
      fd.viommuId = fd.nextId++
      trace.emit(Q, 'iommufd', 'alloc S2 HWPT', `iommufd_backend_alloc_hwpt(IOMMU_HWPT_ALLOC_NEST_PARENT) = ${fd.s2HwptId}`, 'hwpt')
      trace.emit(Q, 'iommufd', 'alloc vIOMMU', `iommufd_backend_alloc_viommu(IOMMU_VIOMMU_TYPE_UMMU, s2 ${fd.s2HwptId}) = ${fd.viommuId}`, 'hwpt')
    } else trace.emit(Q, 'iommufd', 'attach S2 HWPT', `${name} → hwpt ${fd.s2HwptId}`, 'ioctl')
  }
  trace.emit(Q, 'usi', 'usi_init', `${name}: ${vectors} vector(s) in ${name}-ERS0`, 'mmio')
  trace.emit(Q, 'vfio-ub', 'reinit irq', `${name}: VFIO_UB_REINIT_IRQ_INDEX eventfd (its handler injects LINK_UP)`, 'ioctl')
  const gd: GuestDevice = {
    name: d.name,
    hostGuid,
    guestGuid,
    hostUent: e.uentNum,
    originalDriver,
    guidType: g.type,
    eid: d.eid,
    cna: 0,
    ueid: 0,
    tid: 0,
    tag: 0,
    ports: d.ports,
    links: d.links,
    ubba,
    cfg,
    usi: {mode: d.usi.mode, vectors, enabled: false, routes: []},
    ready: false,
  }
  guest.devices.push(gd)
  trace.emit(Q, 'vfio-ub', 'realized', `${id} (${name}) as eid ${hex(d.eid)} on ubus.0`, 'realize')
  return gd
}

/** vfio_exitfn: an IDEVICE gives its UBBAs back to VIRT_UB_IDEV_ERS. */
export function unrealizeDevice(g: GuestState, d: GuestDevice): void {
  if (d.guidType === UB_GUID_TYPE_IDEVICE) g.idevErs = g.idevErs.filter(([s]) => !d.ubba.includes(s))
}
