// The host side of the simulator as the openEuler kernel sees it after enumeration (drivers/ub/ubus):
// entities under /sys/bus/ub/devices/<%05x>, bus instances under /sys/bus/ub/instance, drivers and locks.
// Everything here is plain JSON-serializable data (bigints as 0x-hex strings) so that the lifecycle
// store can persist it between commands. Operations on it live in the other files of this folder.

/** Kernel enum: UBUS_INSTANCE_STATIC_SERVER 0, STATIC_CLUSTER 1, DYNAMIC_SERVER 2, DYNAMIC_CLUSTER 3. */
export type BusInstanceTypeCode = 0 | 1 | 2 | 3

/** Entity kind = GUID type + class code (QEMU ub_dev_get_type, kernel ub_entity_type_init). */
export type EntityKind = 'controller' | 'device' | 'p_device' | 'icontroller' | 'idevice' | 'p_idevice' | 'switch' | 'iswitch'

export interface HostPort {
  index: number
  type: 'physical' | 'virtual'
  /** CNA assigned by ENUM_NA_CFG_PORT; 0 before enumeration. */
  cna: number
  /** Remote end, from TOPO_QUERY TLV_PORT_INFO; absent when the link is down. */
  remote?: {guid: string; index: number; uentNum?: number}
  boundary: boolean
  shareable: boolean
}

/** One entity resource space (ERS0..2): size in bytes, start address (SA), UBBA assigned by the OS. */
export interface HostErs {
  size: string
  sa: string
  ubba: string
}

export interface HostEntity {
  /** /sys/bus/ub/devices/%05x */
  uentNum: number
  guid: string
  kind: EntityKind
  classCode: number
  eid: number
  cna: number
  upi: number
  tid: number
  entityIdx: number
  /** uent_num of the controller it hangs off (sysfs `ubc`). */
  ubc: number
  /** EID of the bus instance it is bound to (sysfs `instance`). */
  instanceEid: number
  /** BFS hop level from its controller. */
  topoRank: number
  /** Name of the bound driver (e.g. "hisi_ubus", "unic", "vfio-ub"), or null. */
  driver: string | null
  driverOverride: string | null
  ports: HostPort[]
  ers: [HostErs, HostErs, HostErs]
  /** INT TYPE2 vector count (vec_table_num + 1); 0 if the entity has no USI. */
  usiVectors: number
  /** UEs (VF-like) the MUE offers (`ub_totalues`). */
  totalUes: number
  pooled: boolean
  /** Name of the super-node node (server) it sits in. */
  node: string
  /** Pool attributes used to resolve pool requests (bandwidth in Mbit/s, queue count), if a pooled class. */
  pool?: {class: 'dpu' | 'nic' | 'ssd' | 'npu'; bandwidthMbps: number; queues: number; card: string}
}

export interface HostBusInstance {
  guid: string
  type: BusInstanceTypeCode
  eid: number
  upi: number
  /** uent_num of the controller that owns it. */
  ubc: number
  /** Name of the VM holding /run/libvirt/qemu/ub-bus-instance-<guid>.lock, if any. */
  lockedBy?: string
}

export interface HostState {
  /** Name of the fabric description it came from. */
  fabric: string
  cluster: boolean
  entities: HostEntity[]
  instances: HostBusInstance[]
}
