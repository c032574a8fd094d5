// The kernel's enumeration (drivers/ub/ubus/enum.c) over a described fabric: for each Bus Controller in
// ubc_list, a uent with entity_idx 0 and topo_rank 0, then BFS: ENUM_CMD_TOPO_QUERY answered with TLVs,
// remote entities created one hop further (at most 255 hops), ENUM_CMD_NA_CFG for the entity's primary CNA
// and each port's CNA, and finally UBC0's static server bus instance with every entity bound to it.
// Linear in entities + links: maps and arrays only.
import {parseGuid, formatGuid, UbGuidType} from '../../definition/guid.js'
import {bandwidthToMbps} from '../../definition/units.js'
import {UbmgrError} from '../../ground/errors.js'
import {CLASS_CODE, type Fabric, type FabricEntity} from './fabric.js'
import type {EntityKind, HostBusInstance, HostEntity, HostState} from './model.js'
import {decodeTlvs, encodeTlvs, ENUM_CMD_TOPO_QUERY, ENUM_NA_CFG_PORT, ENUM_NA_CFG_PRIMARY, TLV_CAP_INFO, TLV_PORT_INFO, TLV_PORT_NUM, TLV_SLICE_INFO, type Tlv} from './tlv.js'

/** enum.c: a scan goes at most 255 hops from its controller. */
export const MAX_TOPO_RANK = 255
/** UPI used by enumeration packets (UB_CP_UPI); its numeric value was not in the sources read [INF]. */
export const UB_CP_UPI = 0
/** Host MMIO window from which the simulator hands out ERS start addresses [INF]. */
const ERS_WINDOW_BASE = 0x2c00000000n

export interface HostEvent {
  seq: number
  action: string
  detail: string
}

interface Spec extends FabricEntity {
  kind: 'controller' | 'switch' | 'device'
  node: string
}

export interface EnumerationResult {
  state: HostState
  events: HostEvent[]
  stats: {entities: number; links: number; topoQueries: number; naCfg: number; maxRank: number}
}

export function enumerateHost(fabric: Fabric, onProgress?: (done: number, total: number) => void): EnumerationResult {
  const specs = new Map<string, Spec>()
  for (const node of fabric.nodes) {
    for (const c of node.controllers) specs.set(c.name, {...c, kind: 'controller', node: node.name})
    for (const s of node.switches ?? []) specs.set(s.name, {...s, kind: 'switch', node: node.name})
    for (const d of node.devices ?? []) specs.set(d.name, {...d, kind: 'device', node: node.name})
  }
  // port wiring: name → port index → remote end
  const wiring = new Map<string, Map<number, {name: string; port: number}>>()
  const end = (text: string) => {
    const [name, port] = text.split(':')
    const spec = specs.get(name)
    if (!spec) throw new UbmgrError(`fabric ${fabric.name}: link to unknown entity ${name}`)
    const index = Number(port)
    if (index >= spec.ports) throw new UbmgrError(`fabric ${fabric.name}: ${name} has ${spec.ports} ports, no port ${index}`)
    return {name, port: index}
  }
  for (const [a, b] of fabric.links) {
    const x = end(a)
    const y = end(b)
    for (const [from, to] of [[x, y], [y, x]]) {
      const ports = wiring.get(from.name) ?? new Map()
      if (ports.has(from.port)) throw new UbmgrError(`fabric ${fabric.name}: ${from.name} port ${from.port} reports multiple peers`)
      ports.set(from.port, to)
      wiring.set(from.name, ports)
    }
  }

  const events: HostEvent[] = []
  const log = (action: string, detail: string) => events.push({seq: events.length + 1, action, detail})
  const entities: HostEntity[] = []
  const byName = new Map<string, HostEntity>()
  let nextCna = 1
  let nextEid = 1
  let sa = ERS_WINDOW_BASE
  const stats = {entities: 0, links: fabric.links.length, topoQueries: 0, naCfg: 0, maxRank: 0}
  const total = specs.size

  const create = (spec: Spec, rank: number, ubc: number): HostEntity => {
    if (rank > MAX_TOPO_RANK) throw new UbmgrError(`fabric ${fabric.name}: ${spec.name} is more than ${MAX_TOPO_RANK} hops from its controller`)
    const guid = parseGuid(spec.guid)!
    const ers = (spec.ers ?? (spec.kind === 'device' ? [0x100000, 0x10000, 0] : [0, 0, 0])).map((size) => {
      const start = sa
      sa += BigInt(Math.max(size, 0x1000))
      return {size: '0x' + size.toString(16), sa: '0x' + start.toString(16), ubba: '0x0'}
    }) as HostEntity['ers']
    const e: HostEntity = {
      uentNum: entities.length,
      guid: formatGuid(guid),
      kind: entityKind(spec, guid.type),
      classCode: spec.kind === 'device' ? CLASS_CODE[spec.class ?? 'nic'] : CLASS_CODE[spec.kind],
      eid: nextEid++,
      cna: 0,
      upi: UB_CP_UPI,
      tid: 0,
      entityIdx: 0,
      ubc: spec.kind === 'controller' ? entities.length : ubc,
      instanceEid: 0,
      topoRank: rank,
      driver: defaultDriver(spec),
      driverOverride: null,
      ports: Array.from({length: spec.ports}, (_, index) => ({index, type: 'physical' as const, cna: 0, boundary: false, shareable: false})),
      ers,
      usiVectors: spec.kind === 'device' ? (spec.usiVectors ?? 16) : 0,
      totalUes: spec.ues ?? 0,
      pooled: spec.pool !== undefined,
      node: spec.node,
      ...(spec.pool && spec.class ? {pool: {class: spec.class, bandwidthMbps: bandwidthToMbps(spec.pool.bandwidth) ?? 0, queues: spec.pool.queues, card: spec.pool.card}} : {}),
    }
    entities.push(e)
    byName.set(spec.name, e)
    stats.entities++
    stats.maxRank = Math.max(stats.maxRank, rank)
    if (onProgress && entities.length % 256 === 0) onProgress(entities.length, total)
    return e
  }

  /** What the entity answers to ENUM_CMD_TOPO_QUERY, from its ports. */
  const topoReply = (spec: Spec): Tlv[] => {
    const ports = wiring.get(spec.name) ?? new Map()
    const tlvs: Tlv[] = [{type: TLV_SLICE_INFO, totalSlice: 1}, {type: TLV_PORT_NUM, totalPorts: spec.ports}]
    for (let p = 0; p < spec.ports; p++) {
      const remote = ports.get(p)
      tlvs.push({
        type: TLV_PORT_INFO,
        port: {localPort: p, remotePort: remote?.port ?? 0, remoteGuid: remote ? specs.get(remote.name)!.guid : '0000-0000-0-0-000000-0000000000000000', up: Boolean(remote), boundary: false, virtual: false, shareable: false},
      })
    }
    tlvs.push({type: TLV_CAP_INFO, classCode: spec.kind === 'device' ? CLASS_CODE[spec.class ?? 'nic'] : CLASS_CODE[spec.kind]})
    return tlvs
  }

  const naCfg = (e: HostEntity) => {
    e.cna = nextCna++
    stats.naCfg++
    for (const port of e.ports) {
      port.cna = nextCna++
      stats.naCfg++
    }
  }

  for (const ubcSpec of [...specs.values()].filter((s) => s.kind === 'controller')) {
    const ubc = create(ubcSpec, 0, 0)
    log('ubc', `uent ${hex5(ubc.uentNum)} ${ubc.guid}: entity_idx 0, is_mue 1, topo_rank 0`)
    const queue: Spec[] = [ubcSpec]
    for (let head = 0; head < queue.length; head++) {
      const spec = queue[head]
      const e = byName.get(spec.name)!
      const reply = decodeTlvs(encodeTlvs(topoReply(spec)))
      stats.topoQueries++
      if (events.length < 2000) log('TOPO_QUERY', `opcode ${ENUM_CMD_TOPO_QUERY} → uent ${hex5(e.uentNum)}: ${reply.length} TLVs`)
      naCfg(e)
      if (events.length < 2000) log('NA_CFG', `opcode ${ENUM_NA_CFG_PRIMARY} primary cna ${e.cna}; opcode ${ENUM_NA_CFG_PORT} × ${e.ports.length} ports`)
      for (const t of reply) {
        if (t.type !== TLV_PORT_INFO || !t.port.up) continue
        const remoteName = wiring.get(spec.name)!.get(t.port.localPort)!.name
        let remote = byName.get(remoteName)
        if (!remote) {
          const remoteSpec = specs.get(remoteName)!
          if (remoteSpec.kind === 'controller') continue // another UBC's domain: it enumerates itself
          remote = create(remoteSpec, e.topoRank + 1, ubc.uentNum)
          queue.push(remoteSpec)
        }
        e.ports[t.port.localPort].remote = {guid: remote.guid, index: t.port.remotePort, uentNum: remote.uentNum}
      }
    }
  }
  const unreached = [...specs.values()].filter((s) => !byName.has(s.name))
  if (unreached.length > 0) log('unreached', `${unreached.length} entities have no path to a Bus Controller: ${unreached.slice(0, 5).map((s) => s.name).join(', ')}`)

  // ub_static_bus_instance_init: UBC0's static server BI, GUID = UBC GUID with type 0; the others share it.
  const ubc0 = entities.find((e) => e.kind === 'controller')
  const instances: HostBusInstance[] = []
  if (ubc0) {
    const bi = {guid: formatGuid({...parseGuid(ubc0.guid)!, type: UbGuidType.BUS_INSTANCE}), type: (fabric.cluster ? 1 : 0) as 0 | 1, eid: nextEid++, upi: UB_CP_UPI, ubc: ubc0.uentNum}
    instances.push(bi)
    for (const e of entities) e.instanceEid = bi.eid
    log('bus instance', `static ${fabric.cluster ? 'cluster' : 'server'} BI ${bi.guid} eid ${hex5(bi.eid)}: ${entities.length} entities bound`)
  }
  const routes = entities.filter((e) => e.kind === 'controller').reduce((n, c) => n + routeTable({fabric: fabric.name, cluster: Boolean(fabric.cluster), entities, instances}, c.uentNum).length, 0)
  log('routes', `BFS shortest-hop routes: ${routes} controller route entries`)
  onProgress?.(total, total)
  return {state: {fabric: fabric.name, cluster: Boolean(fabric.cluster), entities, instances}, events, stats}
}

/** ub_enum_bfs_route_cal for one entity: shortest-hop route to every reachable CNA (port, distance). */
export function routeTable(state: HostState, from: number): Array<{cna: number; port: number; distance: number}> {
  const dist = new Int32Array(state.entities.length).fill(-1)
  const via = new Int32Array(state.entities.length).fill(-1)
  dist[from] = 0
  const queue = [from]
  for (let head = 0; head < queue.length; head++) {
    const u = state.entities[queue[head]]
    for (const p of u.ports) {
      const v = p.remote?.uentNum
      if (v === undefined || dist[v] !== -1) continue
      dist[v] = dist[u.uentNum] + 1
      via[v] = u.uentNum === from ? p.index : via[u.uentNum]
      queue.push(v)
    }
  }
  const out = []
  for (let i = 0; i < state.entities.length; i++) if (i !== from && dist[i] > 0) out.push({cna: state.entities[i].cna, port: via[i], distance: dist[i]})
  return out
}

function entityKind(spec: Spec, type: number): EntityKind {
  if (spec.kind === 'switch') return type === UbGuidType.ISWITCH ? 'iswitch' : 'switch'
  if (spec.kind === 'controller') return 'controller'
  const pooled = spec.pool !== undefined
  if (type === UbGuidType.ICONTROLLER) return pooled ? 'p_idevice' : 'idevice'
  return pooled ? 'p_device' : 'device'
}

/** Drivers a host would bind: hisi_ubus for the controller, UNIC for network classes [INF]. */
function defaultDriver(spec: Spec): string | null {
  if (spec.kind === 'controller') return 'hisi_ubus'
  if (spec.kind === 'device' && (spec.class === 'nic' || spec.class === 'dpu')) return 'unic'
  return null
}

export const hex5 = (n: number) => n.toString(16).padStart(5, '0')
