// The host side of the simulator as the openEuler kernel sees it after enumeration (drivers/ub/ubus):
// entities under /sys/bus/ub/devices/<%05x>, bus instances under /sys/bus/ub/instance, drivers and locks.
// Everything here is plain JSON-serializable data (bigints as 0x-hex strings) so that the lifecycle
// store can persist it between commands. Operations on it live in the other files of this folder.

/** Kernel bus instance types: UBUS_INSTANCE_STATIC_SERVER 0, STATIC_CLUSTER 1, DYNAMIC_SERVER 2, DYNAMIC_CLUSTER 3. */
export type BusInstanceTypeCode = 0 | 1 | 2 | 3

/** Kernel `enum ub_entity_type` (drivers/ub/ubus/ubus.h), from GUID type + class code + pool flag (ub_entity_type_init). */
export type EntityKind = 'bus_controller' | 'ibus_controller' | 'switch' | 'device' | 'idevice' | 'p_device' | 'p_idevice'

export interface HostPort {
  index: number
  /** TLV_PORT_INFO t bit: 0 physical, 1 virtual. */
  type: 'physical' | 'virtual'
  /** CNA from ub_cna_alloc (the entity's own CNA for ONE_CNA entities); 0 when none. */
  cna: number
  /** The connected port (ub_port_connect), absent when the link is down or not enumerated. */
  remote?: {guid: string; index: number; uentNum: number}
  /** TLV_PORT_INFO b bit (domain boundary) and w bit (shareable). */
  boundary: boolean
  shareable: boolean
}

/** One entity resource space (ERS0..2): size in bytes, start address (SA), UBBA. */
export interface HostErs {
  size: string
  sa: string
  ubba: string
}

export interface HostEntity {
  /** uent_num from the kernel's IDA (1..0xfffff): /sys/bus/ub/devices/%05x. */
  uentNum: number
  /** The entity's name in the fabric description (the %05x directory name for a host read from sysfs). */
  name: string
  guid: string
  kind: EntityKind
  classCode: number
  eid: number
  cna: number
  upi: number
  tid: number
  entityIdx: number
  /** uent_num of the controller it was enumerated from (sysfs `ubc`). */
  ubc: number
  /** EID of the bus instance it is bound to (sysfs `instance`); 0 when bound to none (switches). */
  instanceEid: number
  /** BFS hop level from its controller (topo_rank). */
  topoRank: number
  /** Name of the bound driver (e.g. "vfio-ub"), or null. */
  driver: string | null
  driverOverride: string | null
  ports: HostPort[]
  ers: [HostErs, HostErs, HostErs]
  /** INT TYPE2 vector count (vec_table_num + 1); 0 if unknown or the entity has no USI. */
  usiVectors: number
  /** UEs the MUE offers (sysfs `ub_totalues`). */
  totalUes: number
  /** The kernel's uent->pool: registered by the FM's ENTITY_REG message (a p_device), not found by the BFS. */
  pooled: boolean
  /** uent->user_eid: the bus instance EID a pooled entity or a cluster controller is bound to by default. */
  userEid: number
  /** Name of the super-node node (server) it sits in. */
  node: string
  /** Pool attributes from the fabric (src/pool builds its ledger from them): card capacity in Mbit/s, queues, cores. */
  pool?: HostPoolAttributes
}

export interface HostPoolAttributes {
  class: 'dpu' | 'nic' | 'ssd' | 'npu'
  card: string
  slice: 'pfe' | 'vfe'
  bandwidthMbps: number
  queues: number
  compute: number
  slot: number
  chip: number
  die: number
}

export interface HostBusInstance {
  guid: string
  type: BusInstanceTypeCode
  eid: number
  upi: number
  /** uent_num of the controller that owns it (bi->major). */
  ubc: number
  /** Name of the VM holding /run/libvirt/qemu/ub-bus-instance-<guid>.lock (QEMU's flock), if any. */
  lockedBy?: string
}

/** The firmware's local ranges the kernel allocates from (ubfi: ubc_eid_start..end, ubc_cna_start..end). */
export interface HostFirmware {
  eid: [number, number]
  cna: [number, number]
}

export interface HostState {
  /** Name of the fabric description it came from. */
  fabric: string
  /** ubc->cluster: the controllers run in cluster mode. */
  cluster: boolean
  firmware: HostFirmware
  /** In uent_num order: entities[i].uentNum === i + 1. */
  entities: HostEntity[]
  instances: HostBusInstance[]
}
