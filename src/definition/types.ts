// The UB VM definition as users write it (YAML/JSON). schemas/ubvm.schema.json is the contract;
// these types mirror it. Optional fields are filled by normalize.ts, never by the loader.

export type DomainType = 'kvm' | 'qemu'
export type Arch = 'aarch64' | 'x86_64'
/** A size with a binary unit, e.g. "16GiB". */
export type Size = string
/** Integer, or a 0x-prefixed hex string. */
export type HexOrInt = number | string
export type Eid = 'auto' | number | string

export interface UbVmDefinition {
  $schema?: string
  name: string
  uuid?: string
  title?: string
  description?: string
  type?: DomainType
  arch?: Arch
  machine?: string
  vcpus: number
  memory: Size
  /** Hugepage-backed guest memory: <memoryBacking><hugepages/></memoryBacking>. */
  hugepages?: boolean
  boot?: BootDef
  disks?: DiskDef[]
  interfaces?: InterfaceDef[]
  ub?: UbDef
  libvirt?: LibvirtPassthrough
}

export interface BootDef {
  firmware?: 'efi' | 'bios'
  order?: Array<'hd' | 'network' | 'cdrom'>
}

export interface DiskDef {
  target: string
  device?: 'disk' | 'cdrom'
  source?: string
  format?: 'qcow2' | 'raw'
  bus?: 'virtio' | 'scsi' | 'sata'
  readonly?: boolean
}

export interface InterfaceDef {
  type: 'network' | 'bridge' | 'user' | 'direct'
  source?: string
  model?: 'virtio' | 'e1000e' | 'rtl8139'
  mac?: string
}

/** libvirt XML that ubmgr does not model, one serialized element per entry. */
export interface LibvirtPassthrough {
  /** Opt-in for `qemu:` elements in `domain` (QEMU pass-through ubmgr cannot check); validate warns. */
  allowQemu?: boolean
  domain?: string[]
  devices?: string[]
}

export type BusInstanceType = 'static-server' | 'static-cluster' | 'dynamic-server' | 'dynamic-cluster'

export interface UbDef {
  busInstance: BusInstanceDef
  controller?: ControllerDef
  ummu?: UmmuDef
  ubmemVmmu?: UbmemVmmuDef
  devices?: UbDeviceDef[]
  fusion?: FusionDeviceDef[]
}

export interface BusInstanceDef {
  guid: string
  type?: BusInstanceType
  eid?: HexOrInt
  upi?: HexOrInt
}

export interface ControllerDef {
  guid?: string
  eid?: HexOrInt
  ports?: number
}

export interface UmmuDef {
  nested?: boolean
  iommufd?: boolean
}

export interface UbmemVmmuDef {
  tid: HexOrInt
  uba: HexOrInt
  size: Size
}

export type PoolClass = 'dpu' | 'nic' | 'ssd' | 'npu'

export interface PoolRequest {
  class: PoolClass
  bandwidth?: string
  queues?: number
  vendor?: HexOrInt
  /** requests of one VM with the same group never share a pooled card and spread across failure domains */
  antiAffinity?: string
}

export interface HostDeviceRef {
  guid: string
}

export interface UsiDef {
  mode?: 'passthrough' | 'emulated'
  vectors?: number
}

export interface LinkDef {
  port: number
  controllerPort?: 'auto' | number
}

export interface UbDeviceDef {
  name: string
  host?: HostDeviceRef
  pool?: PoolRequest
  guestGuid?: string
  eid?: Eid
  ports?: number
  links?: LinkDef[]
  usi?: UsiDef
}

export type FusionKind = 'virtio-net' | 'virtio-blk' | 'virtio-scsi'
export type FusionMode = 'active-active' | 'active-passive'
export type QueuePolicy = 'round-robin' | 'queue-depth' | 'service-time' | 'weighted'
export type Failback = 'immediate' | 'manual' | {afterSeconds: number}

export interface FusionMemberDef {
  host?: HostDeviceRef
  pool?: PoolRequest
  card?: string
  weight?: number
  role?: 'primary' | 'secondary'
  queues?: number
}

export interface FusionDeviceDef {
  name: string
  kind: FusionKind
  mode: FusionMode
  transport?: 'pci' | 'ub'
  queues?: number
  policy?: QueuePolicy
  failback?: Failback
  eid?: Eid
  guid?: string
  mdevUuid?: string
  mac?: string
  members: FusionMemberDef[]
}
