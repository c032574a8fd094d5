// ub_enum_bfs_route_cal (drivers/ub/ubus/enum.c) for one entity: a layered BFS that goes on only through
// switches and IBUS controllers with more than one port, adding a route entry (CNA, egress port, layer + 1)
// for every entity it reaches and, unless the entity is ONE_CNA, for the port it is reached on. An entity
// reached twice within one layer (equal-cost paths) gets an entry per path, as the kernel's visiting/visited
// marks allow. Cost: O(reachable entities + their ports), with maps only; the count over a whole host
// (enumeration's statistic) shares one stamped mark array between its walks instead.
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
  const out: RouteEntry[] = []
  walkRoutes(state, fromUent, (cna, port, distance) => out.push({cna, port, distance}), new Map())
  return out
}

/** How many entries routeTable would have, without making them. */
export function routeCount(state: HostState, fromUent: number): number {
  let n = 0
  walkRoutes(state, fromUent, () => n++, new Map())
  return n
}

/** The route entries of every entity the kernel computes routes for (all but single-port ones), counted. */
export function routeCountAll(state: HostState): number {
  let top = 0
  for (const e of state.entities) if (e.uentNum > top) top = e.uentNum
  const marks = new StampedMarks(top + 1)
  let n = 0
  for (const e of state.entities)
    if (e.ports.length !== 1) {
      marks.clear()
      walkRoutes(state, e.uentNum, () => n++, marks)
    }
  return n
}

interface Marks {
  get(uent: number): number | undefined
  set(uent: number, mark: number): unknown
}

/** Marks by uent for many walks: each walk has its own stamp, so clearing is O(1) and the arrays are made once. */
class StampedMarks implements Marks {
  private readonly stamp: Uint32Array
  private readonly mark: Uint8Array
  private walk = 1

  constructor(size: number) {
    this.stamp = new Uint32Array(size)
    this.mark = new Uint8Array(size)
  }

  clear(): void {
    this.walk++
  }

  get(uent: number): number | undefined {
    return this.stamp[uent] === this.walk ? this.mark[uent] : undefined
  }

  set(uent: number, mark: number): void {
    this.stamp[uent] = this.walk
    this.mark[uent] = mark
  }
}

/** The BFS itself: `route` is called once per entry, in the kernel's order. The queue is two number lists. */
function walkRoutes(state: HostState, fromUent: number, route: (cna: number, port: number, distance: number) => void, mark: Marks): void {
  if (!entityByUent(state, fromUent)) return
  mark.set(fromUent, VISITED)
  const visiting: number[] = []
  const queue = [fromUent]
  const ingress = [-1]
  let current = 1
  let next = 0
  let layer = 0
  for (let head = 0; head < queue.length; head++) {
    current--
    const sPort = ingress[head]
    for (const p of entityByUent(state, queue[head])!.ports) {
      const r = p.remote?.uentNum
      if (!p.cna || r === undefined || mark.get(r) === VISITED) continue
      const remote = entityByUent(state, r)!
      const egress = sPort >= 0 ? sPort : p.index
      if (mark.get(r) !== VISITING) visiting.push(r)
      mark.set(r, VISITING)
      route(remote.cna, egress, layer + 1)
      if (!isOneCna(remote)) route(remote.ports[p.remote!.index].cna, egress, layer + 1)
      if ((remote.kind === 'switch' || remote.kind === 'ibus_controller') && remote.ports.length !== 1) {
        queue.push(r)
        ingress.push(egress)
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
}
