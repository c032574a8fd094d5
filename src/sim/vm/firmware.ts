// What QEMU reports to the guest (hw/ub/ub_acpi.c): the UBIOS information table with its "bus controller",
// "ummu" and "rsv_mem" sub-tables, the ACPI UBRT pointing at them, and the DSDT/IORT entries.

export const UBC_INTERRUPT_ID_START = 0x1fff
export const UBC_INTERRUPT_ID_STRIDE = 0x1000
export const MSG_QUEUE_INTERRUPT = 443
export const HI_MSGQ_DEPTH = 16
export const UBRT_SUBTABLE = {BUS_CONTROLLER: 0, UMMU: 1, RSV_MEM: 2} as const
export const HID = {UBC0: 'HISI0541', UMU0: 'HISI0551', PMU0: 'HISI0571'} as const
/** VIRT_UBC_BASE_REG and VIRT_HIGH_UB_MMIO are memmap entries of openEuler's virt machine; the
 * addresses here are the simulator's [INF] (hw/arm/virt.c was not read). */
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

/** UMMU_RESERVED_TID_NUM is not in the reference; the simulator reserves 0x10 TIDs [INF]. */
export const UMMU_RESERVED_TID_NUM = 0x10

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
