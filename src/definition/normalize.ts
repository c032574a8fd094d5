// A validated definition with every default filled in and every "auto" resolved: the one model that the
// XML renderers, the lifecycle backends and the simulator consume. Defaults follow the real stack
// (libvirt virub.h constants, ub-device-manager's VmXmlBuilder numbering); where ubmgr chooses, it says so.
import {createHash} from 'node:crypto'

import {formatGuid, parseGuid, UbGuidType, withGuidType} from './guid.js'
import type {
  BusInstanceType,
  Failback,
  FusionKind,
  FusionMode,
  PoolRequest,
  QueuePolicy,
  UbDeviceDef,
  UbVmDefinition,
} from './types.js'
import {hex, sizeToKiB, toBigInt, toInt} from './units.js'

/** libvirt src/util/virub.h */
export const UB_CONTROLLER_DEFAULT_PORT_NUM = 128
export const UB_DEVICE_DEFAULT_PORT_NUM = 1
/** ub-device-manager fixes the controller EID at 0x1 and numbers hostdevs from 0x2. */
export const UB_CONTROLLER_DEFAULT_EID = 1
export const USI_DEFAULT_VECTORS = 16

export interface UbVm {
  name: string
  uuid?: string
  title?: string
  description?: string
  type: 'kvm' | 'qemu'
  arch: 'aarch64' | 'x86_64'
  machine: string | undefined
  vcpus: number
  memoryKiB: bigint
  hugepages: boolean
  boot: {firmware: 'efi' | 'bios'; order: Array<'hd' | 'network' | 'cdrom'>}
  disks: Disk[]
  interfaces: Interface[]
  ub?: Ub
  libvirt: {domain: string[]; devices: string[]}
}

export interface Disk {
  target: string
  device: 'disk' | 'cdrom'
  source?: string
  format: 'qcow2' | 'raw'
  bus: 'virtio' | 'scsi' | 'sata'
  readonly: boolean
}

export interface Interface {
  type: 'network' | 'bridge' | 'user' | 'direct'
  source?: string
  model: 'virtio' | 'e1000e' | 'rtl8139'
  mac?: string
}

export interface Ub {
  busInstance: {guid: string; type: BusInstanceType; eid?: number; upi?: number}
  controller: {guid: string; eid: number; ports: number}
  ummu: {nested: boolean; iommufd: boolean}
  ubmemVmmu?: {tid: number; uba: string; size: string}
  devices: UbDevice[]
  fusion: FusionDevice[]
}

export interface UbDevice {
  name: string
  host?: {guid: string}
  pool?: NormalPoolRequest
  /** GUID the guest sees; undefined while a pool request is unresolved. */
  guestGuid?: string
  eid: number
  ports: number
  links: Array<{port: number; controllerPort: number}>
  usi: {mode: 'passthrough' | 'emulated'; vectors: number}
}

export interface FusionMember {
  host?: {guid: string}
  pool?: NormalPoolRequest
  card?: string
  weight: number
  role?: 'primary' | 'secondary'
  queues?: number
}

export interface FusionDevice {
  name: string
  kind: FusionKind
  mode: FusionMode
  transport: 'pci' | 'ub'
  queues: number
  policy: QueuePolicy
  failback: Failback
  /** ub transport only */
  eid?: number
  guid?: string
  /** pci transport only */
  mdevUuid?: string
  mac?: string
  members: FusionMember[]
}

const lower = (s: string | undefined) => s?.toLowerCase()

/** Normalize a definition that passed validation. Throws only on inputs validation rejects. */
export function normalize(def: UbVmDefinition): UbVm {
  const memoryKiB = sizeToKiB(def.memory)
  if (memoryKiB === undefined) throw new Error(`invalid memory size: ${def.memory}`)
  return {
    name: def.name,
    uuid: lower(def.uuid),
    title: def.title,
    description: def.description,
    type: def.type ?? 'kvm',
    arch: def.arch ?? 'aarch64',
    // aarch64 needs a machine (QEMU has no default there); elsewhere libvirt picks the default (x86: q35 or pc)
    machine: def.machine ?? ((def.arch ?? 'aarch64') === 'aarch64' ? 'virt' : undefined),
    vcpus: def.vcpus,
    memoryKiB,
    hugepages: def.hugepages ?? false,
    boot: {firmware: def.boot?.firmware ?? 'efi', order: def.boot?.order ?? ['hd']},
    disks: (def.disks ?? []).map((d) => ({
      target: d.target,
      device: d.device ?? 'disk',
      source: d.source,
      format: d.format ?? 'qcow2',
      bus: d.bus ?? 'virtio',
      readonly: d.readonly ?? d.device === 'cdrom',
    })),
    interfaces: (def.interfaces ?? []).map((i) => ({
      type: i.type,
      source: i.source,
      model: i.model ?? 'virtio',
      mac: lower(i.mac),
    })),
    ub: def.ub ? normalizeUb(def) : undefined,
    libvirt: {domain: def.libvirt?.domain ?? [], devices: def.libvirt?.devices ?? []},
  }
}

function normalizeUb(def: UbVmDefinition): Ub {
  const ub = def.ub!
  const biGuid = ub.busInstance.guid.toLowerCase()
  const controllerEid = toInt(ub.controller?.eid) ?? UB_CONTROLLER_DEFAULT_EID
  const eids = new EidAllocator([controllerEid, ...explicitEids(ub.devices ?? []), ...explicitEids(ub.fusion ?? [])])
  const ports = new PortAllocator(
    (ub.devices ?? []).flatMap((d) => (d.links ?? []).map((l) => l.controllerPort)).filter((p): p is number => typeof p === 'number'),
  )

  const devices: UbDevice[] = (ub.devices ?? []).map((d) => ({
    name: d.name,
    host: d.host ? {guid: d.host.guid.toLowerCase()} : undefined,
    pool: d.pool ? normalizePool(d.pool) : undefined,
    guestGuid: lower(d.guestGuid ?? d.host?.guid),
    eid: eids.resolve(d.eid),
    ports: d.ports ?? UB_DEVICE_DEFAULT_PORT_NUM,
    links: (d.links ?? [{port: 0}]).map((l) => ({
      port: l.port,
      controllerPort: typeof l.controllerPort === 'number' ? l.controllerPort : ports.next(),
    })),
    usi: {mode: d.usi?.mode ?? 'passthrough', vectors: d.usi?.vectors ?? USI_DEFAULT_VECTORS},
  }))

  const fusion: FusionDevice[] = (ub.fusion ?? []).map((f) => {
    const transport = f.transport ?? 'pci'
    const members = f.members.map((m) => ({
      host: m.host ? {guid: m.host.guid.toLowerCase()} : undefined,
      pool: m.pool ? normalizePool(m.pool) : undefined,
      card: m.card ?? lower(m.host?.guid),
      weight: m.weight ?? 1,
      role: m.role,
      queues: m.queues,
    }))
    return {
      name: f.name,
      kind: f.kind,
      mode: f.mode,
      transport,
      queues: f.queues ?? 1,
      policy: f.policy ?? 'round-robin',
      failback: f.failback ?? 'immediate',
      eid: transport === 'ub' ? eids.resolve(f.eid) : undefined,
      guid: transport === 'ub' ? lower(f.guid) ?? derivedFusionGuid(def.name, f.name, members) : undefined,
      mdevUuid: transport === 'pci' ? lower(f.mdevUuid) ?? derivedUuid(`${def.name}/${f.name}`) : undefined,
      mac: lower(f.mac),
      members,
    }
  })

  return {
    busInstance: {
      guid: biGuid,
      type: ub.busInstance.type ?? 'dynamic-server',
      eid: toInt(ub.busInstance.eid),
      upi: toInt(ub.busInstance.upi),
    },
    controller: {
      guid: lower(ub.controller?.guid) ?? withGuidType(biGuid, UbGuidType.ICONTROLLER),
      eid: controllerEid,
      ports: ub.controller?.ports ?? UB_CONTROLLER_DEFAULT_PORT_NUM,
    },
    ummu: {nested: ub.ummu?.nested ?? true, iommufd: ub.ummu?.iommufd ?? true},
    ubmemVmmu: ub.ubmemVmmu
      ? {tid: toInt(ub.ubmemVmmu.tid)!, uba: hex(toBigInt(ub.ubmemVmmu.uba)!), size: ub.ubmemVmmu.size}
      : undefined,
    devices,
    fusion,
  }
}

/** Pool request with the vendor id as a number (0xcc08 and 52232 are the same request). */
export interface NormalPoolRequest {
  class: PoolRequest['class']
  bandwidth?: string
  queues?: number
  vendor?: number
  antiAffinity?: string
}

function normalizePool(p: PoolRequest): NormalPoolRequest {
  return {class: p.class, bandwidth: p.bandwidth, queues: p.queues, vendor: toInt(p.vendor), ...(p.antiAffinity ? {antiAffinity: p.antiAffinity} : {})}
}

function explicitEids(items: Array<{eid?: UbDeviceDef['eid']}>): number[] {
  return items.map((i) => (i.eid === undefined || i.eid === 'auto' ? undefined : toInt(i.eid))).filter((e): e is number => e !== undefined)
}

/** Auto EIDs: the lowest free value from 2 up, in definition order (ub-device-manager: index + 2). */
class EidAllocator {
  private readonly used: Set<number>
  private cursor = 2
  constructor(reserved: number[]) {
    this.used = new Set(reserved)
  }
  resolve(eid: UbDeviceDef['eid']): number {
    if (eid !== undefined && eid !== 'auto') return toInt(eid)!
    while (this.used.has(this.cursor)) this.cursor++
    this.used.add(this.cursor)
    return this.cursor
  }
}

/** Auto controller ports (tport): the lowest free index, in definition order (ub-device-manager: tport = i). */
class PortAllocator {
  private readonly used: Set<number>
  private cursor = 0
  constructor(reserved: number[]) {
    this.used = new Set(reserved)
  }
  next(): number {
    while (this.used.has(this.cursor)) this.cursor++
    this.used.add(this.cursor)
    return this.cursor
  }
}

function hash64(text: string): bigint {
  return BigInt('0x' + createHash('sha256').update(text).digest('hex').slice(0, 16))
}

/** UUID (version 5 layout) derived from a name, so renders are deterministic. ubmgr's choice. */
export function derivedUuid(text: string): string {
  const h = createHash('sha1').update('ubmgr:' + text).digest('hex')
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/**
 * GUID of an aggregated UB device. No public source says how FusionD names it (ub-stack.md §9), so ubmgr
 * takes vendor/device from the first host member (or Huawei's 0xCC08 with device 0), type 1 (device)
 * and a seq_num hashed from the VM and device names, written with the digits 0-9 only because openEuler
 * libvirt's ubguid pattern refuses a-f in seq_num.
 */
function derivedFusionGuid(vm: string, name: string, members: Array<{host?: {guid: string}}>): string {
  const first = members.find((m) => m.host)?.host?.guid
  const base = first ? parseGuid(first) : undefined
  return formatGuid({
    vendor: base?.vendor ?? 0xcc08,
    device: base?.device ?? 0,
    version: 0,
    type: UbGuidType.CONTROLLER,
    rsv: 0,
    seq: BigInt('0x' + (hash64(`${vm}/${name}`) % 10n ** 16n).toString().padStart(16, '0')),
  })
}
