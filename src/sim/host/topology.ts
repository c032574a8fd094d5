// Pictures of the fabric: a graph model (entities grouped by the server they sit in, links between ports),
// drawn as an indented text tree, Graphviz DOT or a Mermaid flowchart. Left to right, one box per entity
// with its name, class and EID. To stay readable, a switch's leaf devices beyond a threshold are drawn as
// one summary box, and past 16 servers each server is one box that counts what it holds.
import {altHex, uentName} from './cformat.js'
import {classOfCode} from './fabric.js'
import {entityByUent} from './instances.js'
import type {HostEntity, HostState} from './model.js'

export type TopologyFormat = 'text' | 'dot' | 'mermaid'

export interface TopoNode {
  id: string
  uent: number
  name: string
  kind: HostEntity['kind']
  /** ubmgr's device class where the class code maps to one, else the kernel entity type. */
  class: string
  classCode: number
  eid: number
  server: string
}

export interface TopoEdge {
  from: string
  fromPort: number
  to: string
  toPort: number
}

export interface TopologyGraph {
  nodes: TopoNode[]
  edges: TopoEdge[]
}

export interface DrawOptions {
  /** Leaf devices behind one switch or controller above this count become one summary box (0: never). */
  collapse?: number
  /** One box per server: 'auto' does it past 16 servers. */
  servers?: 'auto' | 'always' | 'never'
}

const id = (uent: number) => `e${uent}`
const classOf = (e: HostEntity) => ((e.kind === 'device' || e.kind === 'idevice' || e.kind === 'p_device' || e.kind === 'p_idevice') && classOfCode(e.classCode)) || e.kind

/** Every entity and every link once (the full graph; what --json prints). */
export function topologyGraph(s: HostState): TopologyGraph {
  const nodes = s.entities.map((e) => ({id: id(e.uentNum), uent: e.uentNum, name: e.name, kind: e.kind, class: classOf(e), classCode: e.classCode, eid: e.eid, server: e.node}))
  const edges: TopoEdge[] = []
  for (const e of s.entities)
    for (const p of e.ports)
      if (p.remote && (e.uentNum < p.remote.uentNum || (e.uentNum === p.remote.uentNum && p.index < p.remote.index)))
        edges.push({from: id(e.uentNum), fromPort: p.index, to: id(p.remote.uentNum), toPort: p.remote.index})
  return {nodes, edges}
}

interface Box {
  id: string
  lines: string[]
  server: string
  shape: 'controller' | 'switch' | 'device' | 'summary' | 'server'
}

/** What gets drawn: boxes grouped by server and the edges between them, collapsed as the options say. */
export function drawingModel(s: HostState, opts: DrawOptions = {}): {servers: Map<string, Box[]>; edges: Array<{from: string; to: string; label: string}>} {
  const g = topologyGraph(s)
  const serverNames = new Set(g.nodes.map((n) => n.server))
  const perServer = opts.servers === 'always' || (opts.servers !== 'never' && serverNames.size > 16)
  const servers = new Map<string, Box[]>()
  const add = (b: Box) => {
    const list = servers.get(b.server) ?? []
    list.push(b)
    servers.set(b.server, list)
  }
  if (perServer) return {servers: serverBoxes(g, add, servers), edges: serverEdges(g)}
  const byId = new Map(g.nodes.map((n) => [n.id, n]))
  const degree = new Map<string, number>()
  for (const e of g.edges) for (const x of [e.from, e.to]) degree.set(x, (degree.get(x) ?? 0) + 1)
  // leaves: devices with one link; grouped by the entity they hang off
  const leavesOf = new Map<string, Array<{node: TopoNode; port: number}>>()
  for (const e of g.edges)
    for (const [leaf, hub, port] of [[e.to, e.from, e.fromPort], [e.from, e.to, e.toPort]] as const) {
      const n = byId.get(leaf)!
      if (degree.get(leaf) === 1 && n.kind !== 'switch' && n.kind !== 'ibus_controller' && byId.get(hub)!.kind !== n.kind) {
        const list = leavesOf.get(hub) ?? []
        list.push({node: n, port})
        leavesOf.set(hub, list)
      }
    }
  const limit = opts.collapse ?? 8
  const hidden = new Set<string>()
  const edges: Array<{from: string; to: string; label: string}> = []
  for (const [hub, leaves] of leavesOf)
    if (limit > 0 && leaves.length > limit) {
      const sid = `${hub}_leaves`
      for (const l of leaves) hidden.add(l.node.id)
      const counts = new Map<string, number>()
      for (const l of leaves) counts.set(l.node.class, (counts.get(l.node.class) ?? 0) + 1)
      const eids = leaves.map((l) => l.node.eid)
      const ports = leaves.map((l) => l.port)
      add({
        id: sid,
        server: byId.get(hub)!.server,
        shape: 'summary',
        lines: [`${leaves.length} devices`, [...counts].map(([c, n]) => `${c} ${n}`).join(' · '), `EID ${rangeText(eids)}`],
      })
      edges.push({from: hub, to: sid, label: `ports ${rangeText(ports, 10)}`})
    }
  for (const n of g.nodes)
    if (!hidden.has(n.id)) add({id: n.id, server: n.server, shape: n.kind === 'ibus_controller' || n.kind === 'bus_controller' ? 'controller' : n.kind === 'switch' ? 'switch' : 'device', lines: [n.name, `${n.class} ${altHex(n.classCode, 6)}`, `EID ${altHex(n.eid)} · ${uentName(n.uent)}`]})
  for (const e of g.edges) if (!hidden.has(e.from) && !hidden.has(e.to)) edges.push({from: e.from, to: e.to, label: `${e.fromPort}:${e.toPort}`})
  return {servers, edges}
}

function serverBoxes(g: TopologyGraph, add: (b: Box) => void, servers: Map<string, Box[]>): Map<string, Box[]> {
  const by = new Map<string, TopoNode[]>()
  for (const n of g.nodes) {
    const list = by.get(n.server) ?? []
    list.push(n)
    by.set(n.server, list)
  }
  for (const [server, nodes] of by) {
    const ctrl = nodes.filter((n) => n.kind === 'ibus_controller' || n.kind === 'bus_controller')
    const switches = nodes.filter((n) => n.kind === 'switch').length
    const devices = nodes.filter((n) => n.kind !== 'switch' && !ctrl.includes(n))
    const counts = new Map<string, number>()
    for (const d of devices) counts.set(d.class, (counts.get(d.class) ?? 0) + 1)
    add({
      id: `s_${server.replace(/[^A-Za-z0-9_]/g, '_')}`,
      server,
      shape: 'server',
      lines: [server, `${ctrl.map((c) => `${c.name} EID ${altHex(c.eid)}`).join(', ') || 'no controller'}`, `${switches} switch(es), ${devices.length} devices`, [...counts].map(([c, n]) => `${c} ${n}`).join(' · ')],
    })
  }
  return servers
}

function serverEdges(g: TopologyGraph): Array<{from: string; to: string; label: string}> {
  const server = new Map(g.nodes.map((n) => [n.id, n.server]))
  const seen = new Map<string, number>()
  for (const e of g.edges) {
    const a = server.get(e.from)!
    const b = server.get(e.to)!
    if (a !== b) {
      const key = [a, b].sort().join('\u0000')
      seen.set(key, (seen.get(key) ?? 0) + 1)
    }
  }
  return [...seen].map(([key, n]) => {
    const [a, b] = key.split('\u0000')
    const sid = (x: string) => `s_${x.replace(/[^A-Za-z0-9_]/g, '_')}`
    return {from: sid(a), to: sid(b), label: `${n} link(s)`}
  })
}

/** "0x7..0x23", or a short list. */
function rangeText(values: number[], max = 0): string {
  let lo = values[0]
  let hi = values[0]
  for (const v of values) {
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  const hex = max === 0
  const f = (v: number) => (hex ? altHex(v) : String(v))
  return lo === hi ? f(lo) : `${f(lo)}..${f(hi)}`
}

const dotString = (text: string) => '"' + text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"'
const SHAPES: Record<Box['shape'], string> = {
  controller: 'shape=box, style="rounded,filled,bold", fillcolor="#dbe9f6"',
  switch: 'shape=box, style="rounded,filled", fillcolor="#eeeeee"',
  device: 'shape=box, style="rounded,filled", fillcolor="#ffffff"',
  summary: 'shape=box, style="rounded,filled,dashed", fillcolor="#fff8e1"',
  server: 'shape=box, style="rounded,filled", fillcolor="#dbe9f6"',
}

export function drawTopology(s: HostState, format: TopologyFormat, opts: DrawOptions = {}): string {
  if (format === 'text') return textTree(s)
  const {servers, edges} = drawingModel(s, opts)
  const perServer = [...servers.values()].every((boxes) => boxes.every((b) => b.shape === 'server'))
  if (format === 'dot') {
    const out = ['graph ub {', '  rankdir=LR;', '  newrank=true;', '  nodesep=0.25; ranksep=0.6;', `  ${perServer ? 'pack=true; packmode="array_u8";' : 'compound=true;'}`, '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=8, color="#666666"];']
    let i = 0
    for (const [server, boxes] of servers) {
      const body = boxes.map((b) => `    ${b.id} [${SHAPES[b.shape]}, label=${dotString(b.lines.join('\n'))}];`)
      if (perServer) for (const line of body) out.push(line.slice(2))
      else {
        out.push(`  subgraph cluster_${i++} {`, `    label=${dotString(server)}; style="rounded"; color="#888888"; fontname="Helvetica";`)
        for (const line of body) out.push(line)
        out.push('  }')
      }
    }
    for (const e of edges) out.push(`  ${e.from} -- ${e.to} [label=${dotString(e.label)}];`)
    return out.join('\n') + '\n}\n'
  }
  const out = ['flowchart LR']
  let i = 0
  for (const [server, boxes] of servers) {
    if (!perServer) out.push(`  subgraph s${i++}["${server.replace(/"/g, "'")}"]`)
    for (const b of boxes) out.push(`    ${b.id}["${b.lines.map((l) => l.replace(/"/g, "'")).join('<br/>')}"]`)
    if (!perServer) out.push('  end')
  }
  for (const e of edges) out.push(`  ${e.from} ---|${e.label}| ${e.to}`)
  return out.join('\n') + '\n'
}

/** The BFS tree from each controller, children in port order. */
function textTree(s: HostState): string {
  const out: string[] = []
  const seen = new Set<number>()
  const walk = (n: number, depth: number, via: string) => {
    seen.add(n)
    const e = entityByUent(s, n)!
    out.push(`${'  '.repeat(depth)}${via}${e.name} ${e.kind} ${uentName(e.uentNum)} ${e.guid} eid ${altHex(e.eid)} cna ${altHex(e.cna)}${e.driver ? ` [${e.driver}]` : ''}`)
    for (const p of e.ports) {
      const r = p.remote?.uentNum
      if (r !== undefined && !seen.has(r) && entityByUent(s, r)!.topoRank === e.topoRank + 1) walk(r, depth + 1, `port ${p.index} → ${p.remote!.index}: `)
    }
  }
  for (const e of s.entities) if (e.kind === 'ibus_controller') walk(e.uentNum, 0, '')
  return out.join('\n') + '\n'
}
