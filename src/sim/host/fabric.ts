// A super-node described as data: nodes (servers) with Bus Controllers, switches and devices, and the
// port-to-port links between them. This is the simulator's input; enumeration turns it into the host
// view the kernel builds (HostState). Two forms: JSON (read with JSON.parse, linear at any size; what
// `host generate` writes) and YAML (for hand-written hosts, up to 16 MiB).
import {guidType, UbGuidType} from '../../definition/guid.js'
import {UbmgrError} from '../../ground/errors.js'
import {readInput} from '../../ground/input.js'

export type DeviceClass = 'dpu' | 'nic' | 'ssd' | 'npu'

export interface FabricEntity {
  name: string
  guid: string
  ports: number
  /** Class code override (base code in the low byte); default from `class`. */
  classCode?: number
  /** ERS0..2 sizes in bytes (0 = absent). */
  ers?: [number, number, number]
  usiVectors?: number
  ues?: number
  class?: DeviceClass
  /** UBPRM inventory (owned by the pool model): passed through unchanged. */
  pool?: FabricPool
  /** Cluster mode only: what the fabric manager configured in the controller (read by NA_QUERY and config reads). */
  fm?: {cna?: number; eid?: number; upi?: number}
}

/**
 * A pooled entity: a slice of a card the pool (UBPRM) hands to VMs. In UBSE's words a card's physical entity is
 * its PFE and the virtual ones its VFEs; UBSE addresses a device by {slot, chip, die, pf, vf}. Card capacity
 * (bandwidth, queues, compute) is written on one entity of the card, usually its PFE. The format is ubmgr's.
 */
export interface FabricPool {
  card: string
  /** pfe (default) or vfe */
  slice?: 'pfe' | 'vfe'
  bandwidth?: string
  queues?: number
  /** compute cores of the card (DPU/NPU) */
  compute?: number
  /** failure domain inside the node; the node is the fabric node the entity sits in */
  slot?: number
  chip?: number
  die?: number
}

export interface FabricNode {
  name: string
  controllers: FabricEntity[]
  switches?: FabricEntity[]
  devices?: FabricEntity[]
}

export interface Fabric {
  name: string
  /** Controllers in cluster mode (ubc->cluster). */
  cluster?: boolean
  /** Cluster mode: the static cluster bus instance the FM announces with CFG_CPL_NOTIFY after configuration. */
  clusterInstance?: {guid: string; eid: number}
  /** The firmware's local EID and CNA ranges (ubfi ubc_eid_start..end, ubc_cna_start..end); default 1..0xffff each. */
  firmware?: {eid?: [number, number]; cna?: [number, number]}
  nodes: FabricNode[]
  /** "entity:port" pairs; a link joins two ports. */
  links: Array<[string, string]>
}

/**
 * Class codes (include/ub/ubus/ubus_ids.h; the base code is the LOW byte): bus controller 0x0000,
 * switch UB 0x0004, network UB 0x0002 and Ethernet 0x0102, storage 0x0001, NPU UB 0x0007. Which of these
 * each of ubmgr's device classes gets is ubmgr's choice [inferred]: a DPU as a UB network entity, a NIC as
 * an Ethernet network entity.
 */
export const CLASS_CODE: Record<DeviceClass | 'controller' | 'switch', number> = {
  controller: 0x0000,
  switch: 0x0004,
  dpu: 0x0002,
  nic: 0x0102,
  ssd: 0x0001,
  npu: 0x0007,
}

/** ubmgr's device class of a class code: the exact code first, then the base code (low byte). */
export function classOfCode(code: number): DeviceClass | undefined {
  for (const c of ['dpu', 'nic', 'ssd', 'npu'] as const) if (CLASS_CODE[c] === code) return c
  return ({0x01: 'ssd', 0x02: 'nic', 0x07: 'npu'} as Record<number, DeviceClass>)[code & 0xff]
}

export const DEFAULT_LOCAL_RANGE: [number, number] = [1, 0xffff]
export const MAX_JSON_FABRIC_BYTES = 512 * 1024 * 1024
export const MAX_YAML_FABRIC_BYTES = 16 * 1024 * 1024
/** At most this many problems are listed before the check stops. */
const MAX_PROBLEMS = 20

/**
 * Read a fabric file: JSON when it starts with "{", else YAML. Bounded in size; every problem on its own line.
 * The YAML parser is loaded only for a YAML file: its modules cost a JSON fabric ~0.1 s of start-up.
 */
export async function loadFabric(file: string): Promise<Fabric> {
  const text = await readBounded(file)
  let fabric: Fabric
  const json = text.trimStart().startsWith('{')
  try {
    fabric = json ? (JSON.parse(text) as Fabric) : ((await import('yaml')).parse(text, {maxAliasCount: 100}) as Fabric)
  } catch (error) {
    throw new UbmgrError(`${file}: ${(error as Error).message.split('\n')[0]}`)
  }
  if (!json && text.length > MAX_YAML_FABRIC_BYTES) throw new UbmgrError(`${file}: a YAML fabric is limited to 16 MiB; write large fabrics as JSON (host generate -o FILE.json)`)
  checkFabric(fabric, file)
  return fabric
}

/** The fabric file, read bounded by bytes (and by time for pipes and FIFOs) like every input. */
async function readBounded(file: string): Promise<string> {
  return (await readInput(file, {maxBytes: MAX_JSON_FABRIC_BYTES, what: 'a host fabric'})).toString('utf8')
}

/** The GUID types each role may have (ub_entity_type_init). */
const GUID_TYPES = {
  controller: [UbGuidType.ICONTROLLER],
  switch: [UbGuidType.SWITCH, UbGuidType.ISWITCH],
  device: [UbGuidType.CONTROLLER, UbGuidType.ICONTROLLER],
} as const satisfies Record<string, readonly UbGuidType[]>

/** A link end's port: decimal digits (the literal hoisted, as a literal in the loop is a new RegExp per link end). */
const PORT_NUMBER = /^\d+$/

const isRange = (r: unknown): r is [number, number] => Array.isArray(r) && r.length === 2 && r.every((n) => Number.isInteger(n) && n > 0) && r[0] <= r[1]

/** Shape, GUID types, unique names and GUIDs, link ends; linear in entities + links. */
export function checkFabric(f: Fabric, file: string): void {
  if (!f || typeof f !== 'object' || !Array.isArray(f.nodes) || !Array.isArray(f.links))
    throw new UbmgrError(`${file}: a host fabric needs name, nodes and links`)
  const problems: string[] = []
  const problem = (text: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(`${file}: ${text}`)
  }
  const guids = new Set<string>()
  const ports = new Map<string, number>()
  for (const r of [f.firmware?.eid, f.firmware?.cna]) if (r !== undefined && !isRange(r)) problem(`firmware ranges are [start, end] with 0 < start ≤ end`)
  for (const node of f.nodes) {
    if (!node || !Array.isArray(node.controllers)) {
      problem(`node ${node?.name ?? '?'} needs a controllers list`)
      continue
    }
    for (const [kind, list] of [['controller', node.controllers], ['switch', node.switches ?? []], ['device', node.devices ?? []]] as const)
      for (const e of list) {
        const type = typeof e?.guid === 'string' ? guidType(e.guid) : undefined
        if (type === undefined) {
          problem(`${e?.name}: not a UB GUID: ${e?.guid}`)
          continue
        }
        const want: readonly number[] = GUID_TYPES[kind]
        if (!want.includes(type)) problem(`${e.name}: a ${kind} GUID has type ${want.join(' or ')}${kind === 'controller' ? ' (IBUS_CONTROLLER)' : ''}, not ${type}`)
        // a key seen before leaves the size as it was: one hash lookup per key, not two
        const guidsBefore = guids.size
        guids.add(e.guid.toLowerCase())
        if (guids.size === guidsBefore) problem(`duplicate GUID ${e.guid}`)
        const namesBefore = ports.size
        ports.set(e.name, e.ports)
        if (ports.size === namesBefore) problem(`duplicate entity name ${e.name}`)
        if (!Number.isInteger(e.ports) || e.ports < 1) problem(`${e.name}: ports must be a positive integer`)
      }
  }
  for (const link of f.links) {
    if (!Array.isArray(link) || link.length !== 2) {
      problem(`a link is a pair "ENTITY:PORT", "ENTITY:PORT": ${JSON.stringify(link)}`)
      continue
    }
    for (const end of link) {
      const [name, port] = String(end).split(':')
      const count = ports.get(name)
      if (count === undefined || !PORT_NUMBER.test(port ?? '')) problem(`link end ${end} is not ENTITY:PORT of a known entity`)
      else if (Number(port) >= count) problem(`link end ${end}: ${name} has ${count} port(s)`)
    }
  }
  if (problems.length > 0) throw new UbmgrError(problems)
}
