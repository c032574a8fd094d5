// The kernel's enumeration (drivers/ub/ubus/enum.c, ub_enum_probe) over a described fabric:
//  1. every Bus Controller in ubc_list is created (topo_rank 0), queried with ENUM_CMD_TOPO_QUERY and
//     configured with ENUM_CMD_NA_CFG, in list order;
//  2. one BFS over all of them: a port whose remote GUID is not yet known creates the remote entity one
//     hop further, which is queried and configured at once (a DEVICE that leads somewhere new is refused:
//     "device connect to multi peer");
//  3. route calculation (route.ts);
//  4. activation in list order: EID and uent_num from their IDAs, the static server BI when UBC0 is added,
//     default bus-instance binding, drivers.
// Any failure stops the whole probe, as in the kernel. Linear in entities + ports: maps and arrays only.
import {bandwidthToMbps} from '../../definition/units.js'
import {UbmgrError} from '../../ground/errors.js'
import {altHex, uentName} from './cformat.js'
import {HostError} from './errors.js'
import {CLASS_CODE, DEFAULT_LOCAL_RANGE, type Fabric, type FabricEntity} from './fabric.js'
import {DEVICE_ERS, ErsWindow, NO_ERS} from './ers.js'
import {Ida} from './ida.js'
import {cfgCplNotify, defaultBusInstanceInit, staticBusInstanceInit, UB_CP_UPI} from './instances.js'
import type {EntityKind, HostEntity, HostPort, HostState} from './model.js'
import {routeCountAll} from './route.js'
import {decodeTopoReply, encodeTopoReply, ENUM_NA_CFG_PORT, ENUM_NA_CFG_PRIMARY, ENUM_TOPO_QUERY_REQUEST, NULL_GUID, type PortSlice, TlvError} from './tlv.js'

/** enum.c ENUM_MAX_HOPS. */
export const ENUM_MAX_HOPS = 255
/** enum.h PORT_TOTAL_NUM_MAX. */
export const PORT_TOTAL_NUM_MAX = 256
/** The compact EID is 20 bits (UB_COMPACT_EID_MASK). */
const UB_COMPACT_EID_MASK = 0xfffff

export interface HostEvent {
  seq: number
  action: string
  detail: string
}

export interface EnumerationResult {
  state: HostState
  events: HostEvent[]
  stats: {entities: number; links: number; topoQueries: number; naCfg: number; naQuery: number; maxRank: number; routes: number; unreached: number}
}

/** A fabric entity with what the scan needs beside it (the fabric's own object is not copied). */
interface Spec {
  e: FabricEntity
  name: string
  guid: string
  role: 'controller' | 'switch' | 'device'
  node: string
  /** Per port: the remote end, from the links. */
  wires: Array<Wire | undefined>
  /** The uent made of it once the scan finds it (the kernel's lookup by GUID in its entity list). */
  ent?: KEnt
}

interface Wire {
  spec: Spec
  port: number
}

/** A uent during the scan, before it is added to the bus. */
interface KEnt {
  spec: Spec
  guid: string
  kind: EntityKind
  classCode: number
  rank: number
  ubc: KEnt
  /** The ports as the host state keeps them, made once; `remote` is set by ub_check_and_connect. */
  ports: HostPort[]
  /** Where its ports start in the scan's per-port lists of what PORT_INFO said about the neighbour. */
  portBase: number
  cna: number
  /** uent_num: the position in the scan's list, which activation follows. */
  uent: number
}

class EnumError extends Error {
  constructor(
    readonly entity: string,
    message: string,
    readonly errno: string,
  ) {
    super(message)
  }
}

const classCodeOf = (s: Spec) => s.e.classCode ?? (s.role === 'device' ? CLASS_CODE[s.e.class ?? 'nic'] : CLASS_CODE[s.role])

/** ub_entity_type_init: GUID type and base code (low byte) decide; the pool flag only comes from ENTITY_REG. */
export function entityKind(guidType: number, classCode: number, pool: boolean): EntityKind | undefined {
  const base = classCode & 0xff
  if (guidType === 1) return base === 0 ? (classCode === 0 ? 'bus_controller' : undefined) : pool ? 'p_device' : 'device'
  if (guidType === 2) return base === 0 ? 'ibus_controller' : pool ? 'p_idevice' : 'idevice'
  if (guidType === 3 || guidType === 4) return 'switch'
  return undefined
}

export function enumerateHost(fabric: Fabric, onProgress?: (done: number, total: number) => void): EnumerationResult {
  try {
    return run(fabric, onProgress)
  } catch (error) {
    if (error instanceof EnumError)
      throw new UbmgrError(`fabric ${fabric.name}: ${error.entity}: ${error.message} (-${error.errno}); ub_enum_probe stops and adds no entity`)
    if (error instanceof HostError) throw new UbmgrError(`fabric ${fabric.name}: ${error.text}; ub_enum_probe stops and adds no entity`)
    throw error
  }
}

function run(fabric: Fabric, onProgress?: (done: number, total: number) => void): EnumerationResult {
  const specs = new Map<string, Spec>()
  const byGuid = new Map<string, Spec>()
  const ubcList: Spec[] = []
  for (const node of fabric.nodes)
    for (const [role, list] of [['controller', node.controllers], ['switch', node.switches ?? []], ['device', node.devices ?? []]] as const)
      for (const e of list) {
        const spec: Spec = {e, name: e.name, guid: e.guid.toLowerCase(), role, node: node.name, wires: new Array(e.ports)}
        specs.set(e.name, spec)
        byGuid.set(spec.guid, spec)
        if (role === 'controller') ubcList.push(spec)
      }
  for (const [a, b] of fabric.links) {
    const x = wireEnd(specs, a)
    const y = wireEnd(specs, b)
    connectWire(fabric, x, y)
    connectWire(fabric, y, x)
  }

  const events: HostEvent[] = []
  /** The first 2000 steps are kept; details are only built while there is room. */
  const log = (action: string, detail: () => string) => {
    if (events.length < 2000) events.push({seq: events.length + 1, action, detail: detail()})
  }
  const stats = {entities: 0, links: fabric.links.length, topoQueries: 0, naCfg: 0, naQuery: 0, maxRank: 0, routes: 0, unreached: 0}
  const cluster = Boolean(fabric.cluster)
  const eidRange = fabric.firmware?.eid ?? DEFAULT_LOCAL_RANGE
  const cnaRange = fabric.firmware?.cna ?? DEFAULT_LOCAL_RANGE
  const cnaIda = new Ida(cnaRange[0], cnaRange[1])
  const buf = Buffer.alloc(4096) // the kernel's topo_scan buffer (UB_TOPO_BUF_SZ)
  const total = specs.size
  // What each port's PORT_INFO said about its neighbour (GUID and port), by KEnt.portBase + port index:
  // scan-only facts kept in two lists rather than one more object per port
  const peerGuid: string[] = []
  const peerIndex: number[] = []

  /** What the entity's port slices say: the remote GUID and port of each linked port. */
  const portSlices = (spec: Spec): PortSlice[] => {
    const slices: PortSlice[] = new Array(spec.wires.length)
    for (let index = 0; index < slices.length; index++) {
      const w = spec.wires[index]
      slices[index] = {index, remoteGuid: w?.spec.guid, remoteIndex: w?.port, boundary: false, virtual: false}
    }
    return slices
  }

  /** ub_enum_ent: TOPO_QUERY slice by slice, type check, ports set up and parsed. */
  const enumEnt = (ent: KEnt) => {
    const slices = portSlices(ent.spec)
    let totalSlice = 1
    for (let slice = 0; slice < totalSlice; slice++) {
      stats.topoQueries++
      let reply
      try {
        reply = decodeTopoReply(buf, encodeTopoReply(buf, ent.guid, slices, slice, classCodeOf(ent.spec)))
      } catch (error) {
        if (error instanceof TlvError) throw new EnumError(ent.spec.name, error.message, 'EINVAL')
        throw error
      }
      if (slice === 0) {
        if (reply.totalSlice === undefined || reply.totalPorts === undefined || reply.classCode === undefined || reply.ports.length === 0)
          throw new EnumError(ent.spec.name, 'tlv si/pi/pn/ci NULL', 'EFAULT')
        ent.classCode = reply.classCode
        const type = Number.parseInt(ent.guid[12], 16)
        const kind = entityKind(type, ent.classCode, false)
        const code = altHex(ent.classCode)
        if (!kind) throw new EnumError(ent.spec.name, `ent type unknown, type=${altHex(type)}, class=${code}`, 'EINVAL')
        if (ent.rank === 0 && kind !== 'ibus_controller') throw new EnumError(ent.spec.name, `ubc bad type, type=${altHex(type)}, class=${code}`, 'EINVAL')
        if (ent.rank > 0 && (kind === 'ibus_controller' || kind === 'bus_controller')) throw new EnumError(ent.spec.name, `peripheral bad type, type=${altHex(type)}, class=${code}`, 'EINVAL')
        ent.kind = kind
        totalSlice = reply.totalSlice
        if (reply.totalPorts > PORT_TOTAL_NUM_MAX) throw new EnumError(ent.spec.name, `Total num ports is over total num max(${PORT_TOTAL_NUM_MAX}).`, 'EINVAL')
        ent.ports = new Array(reply.totalPorts)
        ent.portBase = peerGuid.length
        for (let index = 0; index < reply.totalPorts; index++) {
          ent.ports[index] = {index, type: 'physical', cna: 0, boundary: false, shareable: false}
          peerGuid.push(NULL_GUID)
          peerIndex.push(0)
        }
      }
      if (slice === 0) log('TOPO_QUERY', () => `opcode ${ENUM_TOPO_QUERY_REQUEST} → ${ent.spec.name} ${ent.guid}: ${reply.ports.length} PORT_INFO, ${totalSlice} slice(s), class ${altHex(ent.classCode, 6)}`)
      // ub_enum_parse_port: b/t/w land on ports[local_port_idx] (0 for a down port); neighbour info only when up
      for (const pi of reply.ports) {
        const port = ent.ports[pi.localPortIdx]
        if (!port) continue
        port.boundary = pi.b
        port.type = pi.t ? 'virtual' : 'physical'
        port.shareable = pi.w
        if (!pi.s) continue
        if (ent.kind !== 'device' && ent.kind !== 'idevice' && port.boundary) continue
        peerIndex[ent.portBase + pi.localPortIdx] = pi.remotePortIdx
        peerGuid[ent.portBase + pi.localPortIdx] = pi.remoteGuid
      }
    }
  }

  /** ub_enum_na_cfg: CNAs from the IDA (ONE_CNA entities share theirs), port NA_CFGs before the primary one. */
  const naCfg = (ent: KEnt) => {
    const ibusCluster = ent.kind === 'ibus_controller' && cluster
    const oneCna = ent.kind === 'switch' || ent.ports.length === 1
    const alloc = () => {
      const cna = cnaIda.alloc()
      if (cna < 0) throw new EnumError(ent.spec.name, `cna alloc fail, ret=${cna}`, 'ENOSPC')
      return cna
    }
    if (!ibusCluster) ent.cna = alloc()
    for (const p of ent.ports) if (!(ent.kind === 'ibus_controller' && p.boundary)) p.cna = oneCna ? ent.cna : alloc()
    if (ent.kind !== 'switch') {
      let sent = 0
      for (const p of ent.ports) if (!(ent.kind === 'ibus_controller' && p.boundary)) sent++
      stats.naCfg += sent
      if (sent) log('NA_CFG', () => `opcode ${ENUM_NA_CFG_PORT} × ${sent} → ${ent.spec.name} port CNAs ${altHex(ent.ports[0].cna)}${sent > 1 ? `..${altHex(ent.ports[sent - 1].cna)}` : ''}`)
    }
    if (ibusCluster) {
      // ub_enum_cluster_query: NA_QUERY for the controller's CNA (what the FM configured, 0 if nothing yet)
      ent.cna = ent.spec.e.fm?.cna ?? 0
      stats.naQuery++
      log('NA_QUERY', () => `${ent.spec.name}: cluster controller cna ${altHex(ent.cna)}`)
      return
    }
    stats.naCfg++
    log('NA_CFG', () => `opcode ${ENUM_NA_CFG_PRIMARY} → ${ent.spec.name} primary cna ${altHex(ent.cna)}`)
  }

  const newEnt = (spec: Spec, rank: number, ubc: KEnt | undefined): KEnt => {
    const ent = {spec, guid: spec.guid, kind: 'device', classCode: 0, rank, ports: [], portBase: 0, cna: 0, uent: 0} as unknown as KEnt
    ent.ubc = ubc ?? ent
    return ent
  }
  const list: KEnt[] = []
  /** Into the list: uent_num is its position; found by GUID from now on. */
  const listed = (ent: KEnt) => {
    ent.uent = list.push(ent)
    byGuid.get(ent.guid)!.ent = ent
  }

  // 1. ub_enum_bus_controllers
  for (const spec of ubcList) {
    const ent = newEnt(spec, 0, undefined)
    enumEnt(ent)
    naCfg(ent)
    listed(ent)
  }
  if (list.length === 0) throw new UbmgrError(`fabric ${fabric.name}: No ub bus controller exists in the current environment.`)

  // 2. ub_enum_do_topo_scan over all controllers at once
  for (let head = 0; head < list.length; head++) {
    const ent = list[head]
    for (let i = 0; i < ent.ports.length; i++) {
      const port = ent.ports[i]
      const rGuid = peerGuid[ent.portBase + i]
      if (port.remote || rGuid === NULL_GUID) continue
      const spec = byGuid.get(rGuid)
      let remote = spec?.ent
      if (!remote) {
        if (ent.kind === 'device') throw new EnumError(ent.spec.name, 'device connect to multi peer', 'EINVAL')
        if (ent.rank + 1 > ENUM_MAX_HOPS) throw new EnumError(ent.spec.name, `ub support max hops: ${ENUM_MAX_HOPS}`, 'EINVAL')
        remote = newEnt(spec!, ent.rank + 1, ent.ubc)
        enumEnt(remote)
        naCfg(remote)
        listed(remote)
        stats.maxRank = Math.max(stats.maxRank, remote.rank)
        if (onProgress && list.length % 1024 === 0) onProgress(list.length, total)
      }
      // ub_check_and_connect
      const rIndex = peerIndex[ent.portBase + i]
      const rPort = remote.ports[rIndex]
      if (!rPort) throw new EnumError(ent.spec.name, `port${i} should connect to port${rIndex}, but remote device has only ${remote.ports.length} ports; port${i} wrong topo`, 'EINVAL')
      if (rPort.remote) throw new EnumError(ent.spec.name, `port${i} should connect to port${rIndex}, which is already connected; port${i} wrong topo`, 'EINVAL')
      port.remote = {guid: remote.guid, index: rIndex, uentNum: remote.uent}
      rPort.remote = {guid: ent.guid, index: i, uentNum: ent.uent}
    }
  }
  stats.unreached = specs.size - list.length
  if (stats.unreached > 0) log('unreached', () => `${stats.unreached} entities have no path to a Bus Controller`)

  // 4. ub_enum_entities_active (route calculation, step 3, is counted below on the finished state)
  const state: HostState = {fabric: fabric.name, cluster, firmware: {eid: [...eidRange], cna: [...cnaRange]}, entities: [], instances: []}
  const eidIda = new Ida(eidRange[0], eidRange[1])
  const ersWindow = new ErsWindow()
  for (const ent of list) {
    const spec = ent.spec
    const ibusCluster = ent.kind === 'ibus_controller' && cluster
    let eid: number
    if (ibusCluster) eid = (spec.e.fm?.eid ?? 0) & UB_COMPACT_EID_MASK
    else {
      eid = eidIda.alloc()
      if (eid < 0) throw new EnumError(spec.name, `alloc eid failed, ret=${eid}`, 'ENOSPC')
    }
    const ers = ersWindow.place(spec.e.ers ?? (spec.role === 'device' ? DEVICE_ERS : NO_ERS))
    const e: HostEntity = {
      uentNum: ent.uent,
      name: spec.name,
      guid: ent.guid,
      kind: ent.kind,
      classCode: ent.classCode,
      eid,
      cna: ent.cna,
      upi: ibusCluster && spec.e.fm?.upi ? spec.e.fm.upi & 0x7fff : UB_CP_UPI,
      tid: 0,
      entityIdx: 0,
      ubc: ent.ubc.uent,
      instanceEid: 0,
      topoRank: ent.rank,
      driver: null,
      driverOverride: null,
      ports: ent.ports,
      ers,
      usiVectors: spec.role === 'device' ? (spec.e.usiVectors ?? 16) : 0,
      totalUes: spec.e.ues ?? 0,
      pooled: false,
      userEid: 0,
      node: spec.node,
    }
    if (spec.e.pool && spec.e.class) e.pool = poolAttributes(spec.e.class, spec.e.pool)
    state.entities.push(e)
    stats.entities++
    // ub_entity_add: the IBUS controller that is UBC0 creates the static server BI (the others share it)
    if (e.kind === 'ibus_controller' && state.instances.length === 0) {
      const bi = staticBusInstanceInit(state, e, eidIda)
      log('bus instance', () => `static server BI ${bi.guid} eid ${altHex(bi.eid)} upi ${altHex(bi.upi)} (UBC0 ${uentName(e.uentNum)})`)
    }
    // ub_start_ent: a cluster controller waits for the FM's CFG_CPL_NOTIFY
    if (!ibusCluster) {
      defaultBusInstanceInit(state, e)
      e.driver = defaultDriver(spec)
    }
  }
  if (cluster && fabric.clusterInstance)
    for (const e of state.entities)
      if (e.kind === 'ibus_controller') {
        const bi = cfgCplNotify(state, e, fabric.clusterInstance)
        e.driver = 'hisi_ubus'
        log('CFG_CPL_NOTIFY', () => `${e.name}: static cluster BI ${bi.guid} eid ${altHex(bi.eid)} upi ${altHex(bi.upi)}`)
      }
  stats.routes = routeCountAll(state)
  log('routes', () => `ub_enum_bfs_route_cal: ${stats.routes} route entries`)
  onProgress?.(total, total)
  return {state, events, stats}
}

/** "ENTITY:PORT" as the spec and port it names (checkFabric has seen that both exist). */
function wireEnd(specs: Map<string, Spec>, text: string): Wire {
  const [name, port] = text.split(':')
  return {spec: specs.get(name)!, port: Number(port)}
}

/** One direction of a link; a port has one peer. */
function connectWire(fabric: Fabric, from: Wire, to: Wire): void {
  if (from.spec.wires[from.port]) throw new UbmgrError(`fabric ${fabric.name}: ${from.spec.name} port ${from.port} is linked twice (a port has one peer)`)
  from.spec.wires[from.port] = to
}

function poolAttributes(cls: NonNullable<FabricEntity['class']>, p: NonNullable<FabricEntity['pool']>): NonNullable<HostEntity['pool']> {
  const bandwidthMbps = p.bandwidth ? (bandwidthToMbps(p.bandwidth) ?? 0) : 0
  return {class: cls, card: p.card, slice: p.slice ?? 'pfe', bandwidthMbps, queues: p.queues ?? 0, compute: p.compute ?? 0, slot: p.slot ?? 0, chip: p.chip ?? 0, die: p.die ?? 0}
}

/** Drivers a host binds by default [inferred]: hisi_ubus for the controller, UNIC for the network classes. */
function defaultDriver(spec: Spec): string | null {
  if (spec.role === 'controller') return 'hisi_ubus'
  if (spec.role === 'device' && (spec.e.class === 'nic' || spec.e.class === 'dpu')) return 'unic'
  return null
}

export const hex5 = uentName
