// ub_enum_bfs_route_cal (drivers/ub/ubus/enum.c) for one entity: a layered BFS that goes on only through
// switches and IBUS controllers with more than one port, adding a route entry (CNA, egress port, layer + 1)
// for every entity it reaches and, unless the entity is ONE_CNA, for the port it is reached on. An entity
// reached twice within one layer (equal-cost paths) gets an entry per path, as the kernel's visiting/visited
// marks allow. Cost: O(reachable entities + their ports), with maps only.
import {entityByUent} from './instances.js'
import type {HostEntity, HostState} from './model.js'

export interface RouteEntry {
  cna: number
  port: number
  distance: number
}

/** switches, or a single port: the ports share the entity's CNA. */
export const isOneCna = (e: HostEntity): boolean => e.kind === 'switch' || e.ports.length === 1

const VISITED = 1
const VISITING = 2

export function routeTable(state: HostState, fromUent: number): RouteEntry[] {
  const entity = (n: number) => entityByUent(state, n)!
  const from = entityByUent(state, fromUent)
  const out: RouteEntry[] = []
  if (!from) return out
  const mark = new Map<number, number>([[fromUent, VISITED]])
  const visiting: number[] = []
  const queue: Array<{uent: number; sPort: number}> = [{uent: fromUent, sPort: -1}]
  let current = 1
  let next = 0
  let layer = 0
  for (let head = 0; head < queue.length; head++) {
    current--
    const {uent, sPort} = queue[head]
    for (const p of entity(uent).ports) {
      const r = p.remote?.uentNum
      if (!p.cna || r === undefined || mark.get(r) === VISITED) continue
      const remote = entity(r)
      const egress = sPort >= 0 ? sPort : p.index
      if (mark.get(r) !== VISITING) visiting.push(r)
      mark.set(r, VISITING)
      out.push({cna: remote.cna, port: egress, distance: layer + 1})
      if (!isOneCna(remote)) out.push({cna: remote.ports[p.remote!.index].cna, port: egress, distance: layer + 1})
      if ((remote.kind === 'switch' || remote.kind === 'ibus_controller') && remote.ports.length !== 1) {
        queue.push({uent: r, sPort: egress})
        next++
      }
    }
    if (current === 0) {
      current = next
      next = 0
      layer++
      for (const v of visiting) mark.set(v, VISITED)
      visiting.length = 0
    }
  }
  return out
}
