// The guest kernel's side (drivers/ub in the guest): ubfi parses the firmware tables, the UMMU driver
// initialises the vUMMU, the message queue comes up, ub_enum_probe scans ubc.0 through the virtual Bus
// Controller (TOPO_QUERY slices, NA_CFG port CNAs before the primary one), and each device is set up with
// UB_CFG0/1 messages: EID, primary CNA, UEID, UBBA (a DEVICE's only: an IDEVICE's is QEMU's), token id,
// then ub_entity_enable_return's order (bus_access_en, then dev_rs_access_en), UMMU tables and USI.
import {ENUM_NA_CFG_PORT, ENUM_NA_CFG_PRIMARY} from '../host/tlv.js'
import {CFG, messageCode, MESSAGE_NAME, readDword, write64, writeDword} from './cfgspace.js'
import {HI_MSGQ_DEPTH} from './firmware.js'
import {type GuestDevice, type GuestState, hex, WalkError} from './guest.js'
import {queryController, UBC_ID} from './bus-controller.js'
import type {Trace} from './trace.js'
import {CMD, dmaCheck, ST_MODE, UMMU_INTERRUPT_ID, UMMU_REG} from './ummu.js'
import {enableUsi} from './usi.js'

/** IDA order: the entity's CNA, then one per port unless it has a single port (ONE_CNA). */
function allocCnas(guest: GuestState, ports: number): {cna: number; portCnas: number[]} {
  const cna = guest.nextCna++
  const portCnas = ports === 1 ? [cna] : Array.from({length: ports}, () => guest.nextCna++)
  return {cna, portCnas}
}

export function guestBoot(guest: GuestState, trace: Trace): void {
  const u = guest.ummu
  trace.emit('guest ubfi', 'ubfi', 'parse UBRT', 'UBC0 (msgq, interrupt range, MMIO window) and UMU0 from the UBRT sub-tables', 'firmware')
  trace.emit('guest ummu init', 'ummu', 'TECT_BASE', `write ${hex(UMMU_REG.TECT_BASE0)}/${hex(UMMU_REG.TECT_BASE1)}, TECT_BASE_CFG ${hex(UMMU_REG.TECT_BASE_CFG)} = 2-level, split 10`, 'mmio')
  u.regs.TECT_BASE_CFG = 0x1
  trace.emit('guest ummu init', 'ummu', 'MCMDQ/EVENTQ', `MCMDQ base ${hex(UMMU_REG.MCMDQ_BASE)}, EVENT_QUE_BASE ${hex(UMMU_REG.EVENT_QUE_BASE0)}, USI interrupt_id ${hex(UMMU_INTERRUPT_ID)}`, 'mmio')
  u.regs.CTRL0 = 0b11
  trace.emit('guest ummu init', 'ummu', 'CTRL0', `UMMU_EN | EVENTQ_EN → CTRL0 ${hex(UMMU_REG.CTRL0)}, ack in CTRL0_ACK ${hex(UMMU_REG.CTRL0_ACK)}`, 'mmio')
  trace.emit('guest msgq init', 'hisi_ubus', 'msgq', `SQ_ADDR_L/H 0x0/0x4, RQ_ADDR_L/H 0x40/0x44, CQ_ADDR_L/H 0x70/0x74, depth ${HI_MSGQ_DEPTH}`, 'mmio')
  const S = 'guest topology scan'
  const up = queryController(guest, trace, S)
  const ctrl = allocCnas(guest, guest.controller.ports)
  guest.controller.cna = ctrl.cna
  trace.emit(S, 'vBusController', 'NA_CFG', `opcode ${ENUM_NA_CFG_PORT} × ${guest.controller.ports} (port CNAs ${hex(ctrl.portCnas[0])}..${hex(ctrl.portCnas.at(-1)!)}), then opcode ${ENUM_NA_CFG_PRIMARY}: ${UBC_ID} primary cna ${hex(ctrl.cna)}`, 'msg')
  // BFS from ubc.0: devices in the order of the controller ports they hang off
  for (const p of up) {
    const d = guest.devices.find((x) => x.guestGuid === p.remoteGuid && x.cna === 0)
    if (d) scanDevice(d, guest, trace, S)
  }
}

/** ub_enum_ent + ub_enum_na_cfg of one device found behind a controller port. */
function scanDevice(d: GuestDevice, guest: GuestState, trace: Trace, phase: string): void {
  trace.emit(phase, 'vBusController', 'TOPO_QUERY', `${d.guestGuid}: ${d.ports} PORT_INFO, port ${d.links[0]?.port ?? 0} ↔ ${UBC_ID} port ${d.links[0]?.controllerPort}`, 'msg')
  const {cna, portCnas} = allocCnas(guest, d.ports)
  d.cna = cna
  trace.emit(phase, 'vBusController', 'NA_CFG', `${d.name}: opcode ${ENUM_NA_CFG_PORT} × ${d.ports} (${portCnas.map(hex).join(', ')}), then opcode ${ENUM_NA_CFG_PRIMARY}: primary cna ${hex(cna)}`, 'msg')
}

/** What the guest kernel does to one device after the scan: config, UBBA, token id, enables, UMMU, USI, DMA check. */
export function setupInGuest(d: GuestDevice, guest: GuestState, trace: Trace, phase: string): void {
  const cfg = d.cfg
  const msg = (offset: number, write: boolean, what: string, value?: number) => {
    if (write) writeDword(cfg, offset, value ?? 0)
    trace.emit(phase, 'vBusController', MESSAGE_NAME[messageCode(offset, write)], `${d.name} ${hex(offset)} ${what}${write ? ` = ${hex(value ?? 0)}` : ` → ${hex(readDword(cfg, offset))}`}`, 'cfg')
  }
  if (d.cna === 0) {
    // hot-plug: ub_enum_topo_scan_ports over the one controller port
    queryController(guest, trace, phase, d.links[0]?.controllerPort ?? 0)
    scanDevice(d, guest, trace, phase)
  }
  msg(CFG.CFG0_GUID, false, 'guid')
  msg(CFG.CFG0_EID, true, 'eid', d.eid)
  msg(CFG.CFG0_PRIMARY_CNA, true, 'primary_cna', d.cna)
  d.ueid = guest.busInstance.eid
  msg(CFG.CFG0_UEID_LOW, true, 'ueid_low (bus instance eid)', d.ueid)
  if (d.guidType === 1) assignUbba(d, guest, trace, phase, msg)
  else trace.emit(phase, 'vBusController', 'UB_CFG1_READ', `${d.name} ${hex(CFG.CFG1_ERS_UBBA)} ers_ubba: IDEVICE, QEMU pre-assigned ${d.ubba.filter((x) => x !== '0x0').join(', ') || 'none'}`, 'cfg')
  d.tid = guest.nextTid++
  msg(CFG.CFG1_TOKEN_ID, true, 'dev_token_id', d.tid)
  msg(CFG.CFG1_BUS_ACCESS_EN, true, 'bus_access_en', 1)
  msg(CFG.CFG1_RS_ACCESS_EN, true, 'dev_rs_access_en', 1)
  ummuTables(d, guest, trace, phase)
  enableUsi(d, guest, trace, phase, (offset, what, value) => msg(offset, true, what, value))
  // a DMA check: the device's first mapped page, as EID + TokenID + UBA
  const dma = dmaCheck(guest.ummu, d.ueid, d.tid, 0x100000000n, true)
  if (!dma.ok) throw new WalkError(phase, 'ummu', `DMA check failed for ${d.name}: event ${dma.event} (${dma.code})`)
  trace.emit(phase, 'ummu', 'dma check', `${d.name}: EID ${hex(d.ueid)} + TokenID ${hex(d.tid)} + UBA 0x100000000 → KV ${dma.tag} → TECT ST_MODE ${dma.stMode} → TCT → S1 page: write allowed`, 'dma')
  d.ready = true
  trace.emit(phase, 'guest', 'ready', `${d.name} (${d.guestGuid}) eid ${hex(d.eid)} cna ${hex(d.cna)} tid ${hex(d.tid)}`, 'mmio')
}

/** A DEVICE's UBBAs: each ERS aligned to its size in the guest's UB MMIO window; QEMU remaps the region there. */
function assignUbba(d: GuestDevice, guest: GuestState, trace: Trace, phase: string, msg: (offset: number, write: boolean, what: string) => void): void {
  let next = BigInt(guest.nextUbba)
  for (let i = 0; i < 3; i++) {
    msg(CFG.CFG1_ERS_SIZE + 4 * i, false, `ers_space_size[${i}]`)
    const size = BigInt(readDword(d.cfg, CFG.CFG1_ERS_SIZE + 4 * i)) << 12n
    if (size === 0n) continue
    next = (next + size - 1n) & ~(size - 1n)
    d.ubba[i] = hex(next)
    write64(d.cfg, CFG.CFG1_ERS_UBBA + 8 * i, next)
    trace.emit(phase, 'vBusController', 'UB_CFG1_WRITE', `${d.name} ${hex(CFG.CFG1_ERS_UBBA + 8 * i)} ers_ubba[${i}] = ${hex(next)} → QEMU remaps ERS${i} into UB_MMIO`, 'cfg')
    next += size
  }
  guest.nextUbba = hex(next)
}

/** UMMU: the DstEID KV entry, TECT and TCT entries, the stage-1 table; in nested mode its S1 HWPT. */
function ummuTables(d: GuestDevice, guest: GuestState, trace: Trace, phase: string): void {
  const u = guest.ummu
  u.kv[String(d.ueid)] ??= guest.nextTag++
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
}
