// What QEMU reports to the guest (hw/ub/ub_acpi.c): the UBIOS information table with its "bus controller",
// "ummu" and "rsv_mem" sub-tables, the ACPI UBRT pointing at them, and the DSDT/IORT entries.
import type {GuestState} from './guest.js'
import type {Trace} from './trace.js'

export const UBC_INTERRUPT_ID_START = 0x1fff
export const UBC_INTERRUPT_ID_STRIDE = 0x1000
export const MSG_QUEUE_INTERRUPT = 443
export const HI_MSGQ_DEPTH = 16
export const UBRT_SUBTABLE = {BUS_CONTROLLER: 0, UMMU: 1, RSV_MEM: 2} as const
export const HID = {UBC0: 'HISI0541', UMU0: 'HISI0551', PMU0: 'HISI0571'} as const
/** VIRT_UBC_BASE_REG and VIRT_HIGH_UB_MMIO are memmap entries of openEuler's virt machine; the
 * addresses here are the simulator's [inferred] (hw/arm/virt.c was not read). */
export const VIRT_UBC_BASE_REG = 0x3000000000n
export const VIRT_HIGH_UB_MMIO = 0x8000000000n
export const UBIOS_MMIOS_SIZE_PER_UBC = 512n << 30n

export interface Firmware {
  ubios: {name: 'ubios root'; version: 1; count: 3; tables: string[]}
  busController: {
    localCna: [number, number]
    localEid: [number, number]
    clusterMode: 0 | 1
    ubcs: Array<{interruptIdStart: number; interruptIdEnd: number; gpaBase: string; gpaSize: string; msgQueueBase: string; msgQueueSize: number; msgQueueDepth: number; msgQueueInterrupt: number; ubcGuid: string}>
  }
  ummu: {baseAddr: string; addrSize: string; interruptId: number; minTid: number; maxTid: number; venderId: number}
  rsvMem: {base: string; size: string}
  ubrt: Array<{type: number; name: string}>
  dsdt: Array<{device: string; hid: string}>
  iort: Array<{node: string; outputId: number}>
}

/** QEMU's vUMMU reserves the first 64 token ids: the first guest token id is 65 (0x41). */
export const UMMU_RESERVED_TID_NUM = 64
/** The virt machine's VIRT_UB_IDEV_ERS window for IDEVICE UBBAs [inferred: hw/arm/virt.c, which places it, was not read]. */
export const VIRT_UB_IDEV_ERS = {base: 0x18000000000n, size: 0x8000000000n}

export function buildFirmware(ubcGuid: string, cluster: boolean): Firmware {
  return {
    ubios: {name: 'ubios root', version: 1, count: 3, tables: ['bus controller', 'ummu', 'rsv_mem']},
    busController: {
      localCna: [1, 65535],
      localEid: [1, 65535],
      clusterMode: cluster ? 1 : 0,
      ubcs: [
        {
          interruptIdStart: UBC_INTERRUPT_ID_START,
          interruptIdEnd: UBC_INTERRUPT_ID_START + UBC_INTERRUPT_ID_STRIDE - 1,
          gpaBase: '0x' + VIRT_HIGH_UB_MMIO.toString(16),
          gpaSize: '0x' + UBIOS_MMIOS_SIZE_PER_UBC.toString(16),
          msgQueueBase: '0x' + (VIRT_UBC_BASE_REG + 0x10000000n).toString(16),
          msgQueueSize: 0x100000,
          msgQueueDepth: HI_MSGQ_DEPTH,
          msgQueueInterrupt: MSG_QUEUE_INTERRUPT,
          ubcGuid,
        },
      ],
    },
    ummu: {baseAddr: '0x' + (VIRT_UBC_BASE_REG + 0x40000000n).toString(16), addrSize: '0xc0000000', interruptId: 0x8989, minTid: UMMU_RESERVED_TID_NUM + 1, maxTid: 0xfffff, venderId: 0xcc08},
    rsvMem: {base: '0x8000000', size: '0x100000'},
    ubrt: [
      {type: UBRT_SUBTABLE.BUS_CONTROLLER, name: 'bus controller'},
      {type: UBRT_SUBTABLE.UMMU, name: 'ummu'},
      {type: UBRT_SUBTABLE.RSV_MEM, name: 'rsv_mem'},
    ],
    dsdt: Object.entries(HID).map(([device, hid]) => ({device, hid})),
    iort: [
      {node: '\\_SB_.UBC0', outputId: UBC_INTERRUPT_ID_START},
      {node: '\\_SB_.UMU0', outputId: 0x8989},
      {node: '\\_SB_.PMU0', outputId: 0x8989 + 1},
    ],
  }
}

const hex = (n: number) => '0x' + n.toString(16)

/** ub_dev_finally_setup, then the tables as the guest firmware finds them. */
export function reportFirmware(guest: GuestState, trace: Trace): void {
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
