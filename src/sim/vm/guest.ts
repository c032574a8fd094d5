// The running VM as the simulator keeps it: the guest's UB devices, its controller, vUMMU and firmware, and
// the allocators the guest kernel and QEMU draw from. Plain JSON so the embedded store can persist it.
import type {UbVm} from '../../definition/normalize.js'
import {buildFirmware, type Firmware, UMMU_RESERVED_TID_NUM, VIRT_UB_IDEV_ERS} from './firmware.js'
import type {FusionInstance} from './fusion.js'
import type {Trace} from './trace.js'
import {newUmmu, type UmmuState} from './ummu.js'

export interface GuestDevice {
  name: string
  hostGuid: string
  guestGuid: string
  hostUent: number
  /** the driver the host entity had before vfio-ub took it, restored at release */
  originalDriver: string | null
  /** GUID type of the device: 1 DEVICE (UBBA from the guest), 2 IDEVICE (UBBA pre-assigned by QEMU). */
  guidType: number
  eid: number
  cna: number
  ueid: number
  tid: number
  tag: number
  ports: number
  links: Array<{port: number; controllerPort: number}>
  ubba: [string, string, string]
  cfg: Record<string, number>
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
  /** next guest token id: the UMMU reserves UMMU_RESERVED_TID_NUM of them */
  nextTid: number
  /** the guest kernel's CNA IDA (sequential: the simulator never frees guest CNAs) */
  nextCna: number
  /** next free guest UB address for a DEVICE's ERS (the guest kernel assigns it) */
  nextUbba: string
  /** QEMU's VIRT_UB_IDEV_ERS window for IDEVICE UBBAs: allocated ranges [start, end) */
  idevErs: Array<[string, string]>
  /** Fusion devices: FusionD's state and the member slices hiaggre_dslice holds (absent in older states). */
  fusion?: FusionInstance[]
}

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

export const hex = (n: number | bigint): string => '0x' + n.toString(16)

export function emptyGuest(vm: UbVm, seed: number, trace: Trace): GuestState {
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
    idevErs: [],
  }
}

/** ub_idev_ers_alloc_address_space: the smallest free piece of VIRT_UB_IDEV_ERS that fits, aligned to the size. */
export function allocIdevErs(g: GuestState, size: bigint): bigint {
  const used = g.idevErs.map(([s, e]) => [BigInt(s), BigInt(e)] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1))
  const base = VIRT_UB_IDEV_ERS.base
  const end = base + VIRT_UB_IDEV_ERS.size
  let best: {start: bigint; room: bigint} | undefined
  let cursor = base
  for (const [s, e] of [...used, [end, end] as const]) {
    const start = (cursor + size - 1n) & ~(size - 1n)
    if (start + size <= s && (!best || s - cursor < best.room)) best = {start, room: s - cursor}
    if (e > cursor) cursor = e
  }
  if (!best) return -1n
  g.idevErs.push([hex(best.start), hex(best.start + size)])
  return best.start
}
