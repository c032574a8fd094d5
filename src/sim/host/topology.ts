// Drawing the fabric: an indented tree (text), Graphviz dot, or a Mermaid flowchart.
import {entityByUent} from './instances.js'
import type {HostState} from './model.js'

export type TopologyFormat = 'text' | 'dot' | 'mermaid'

const label = (s: HostState, i: number) => {
  const e = entityByUent(s, i)!
  return `${e.kind} ${e.uentNum.toString(16).padStart(5, '0')} ${e.guid}`
}

/** Each link once, as (uent, port) ↔ (uent, port). */
function links(s: HostState): Array<[number, number, number, number]> {
  const out: Array<[number, number, number, number]> = []
  for (const e of s.entities)
    for (const p of e.ports) if (p.remote?.uentNum !== undefined && e.uentNum < p.remote.uentNum) out.push([e.uentNum, p.index, p.remote.uentNum, p.remote.index])
  return out
}

export function drawTopology(s: HostState, format: TopologyFormat): string {
  if (format === 'dot') {
    const lines = ['graph ub {', '  node [shape=box, fontname="monospace"];']
    for (const e of s.entities) lines.push(`  e${e.uentNum} [label="${label(s, e.uentNum)}"];`)
    for (const [a, pa, b, pb] of links(s)) lines.push(`  e${a} -- e${b} [taillabel="${pa}", headlabel="${pb}"];`)
    return lines.join('\n') + '\n}\n'
  }
  if (format === 'mermaid') {
    const lines = ['flowchart TD']
    for (const e of s.entities) lines.push(`  e${e.uentNum}["${label(s, e.uentNum)}"]`)
    for (const [a, pa, b, pb] of links(s)) lines.push(`  e${a} ---|${pa}:${pb}| e${b}`)
    return lines.join('\n') + '\n'
  }
  // text: the BFS tree from each controller, children in port order
  const out: string[] = []
  const seen = new Set<number>()
  const walk = (i: number, depth: number, via: string) => {
    seen.add(i)
    const e = entityByUent(s, i)!
    out.push(`${'  '.repeat(depth)}${via}${label(s, i)} eid 0x${e.eid.toString(16)} cna 0x${e.cna.toString(16)}${e.driver ? ` [${e.driver}]` : ''}`)
    for (const p of e.ports) {
      const r = p.remote?.uentNum
      if (r !== undefined && !seen.has(r) && entityByUent(s, r)!.topoRank === e.topoRank + 1) walk(r, depth + 1, `port ${p.index} → ${p.remote!.index}: `)
    }
  }
  for (const e of s.entities) if (e.kind === 'ibus_controller') walk(e.uentNum, 0, '')
  return out.join('\n') + '\n'
}
