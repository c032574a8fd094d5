// How FusionD places virtqueues on members. The policy names are dm-multipath's and NVMe multipath's path
// selectors, applied to the queue map rather than to single requests (the talk makes the queue the unit):
//   round-robin  every member the same number of virtqueues, in member order (dm round-robin, bonding balance-rr)
//   weighted     virtqueues in proportion to member weights (smooth weighted round-robin)
//   queue-depth  start like round-robin, then move virtqueues from the member with the most outstanding
//                requests to the one with the fewest (NVMe queue-depth iopolicy, dm queue-length)
//   service-time the same with outstanding bytes divided by the member's bandwidth (dm service-time)
// Active-passive ignores the policy: every virtqueue goes to the best-priority healthy member (SPDK AP,
// URMA bond schedule_send_active_backup: the first valid index in priority order).
// [INF] Moving one virtqueue per rebalance tick, the improvement threshold and the tick itself are ubmgr's
// choices, after teamd's tx_balancer, which moves hash buckets between ports at an interval.
import type {QueueMap} from './queue-map.js'
import {queueCounts} from './queue-map.js'
import type {FusionMode, QueuePolicy} from './model.js'

export interface Placement {
  mode: FusionMode
  policy: QueuePolicy
  /** Weight per member (weighted policy); 1 for every member otherwise. */
  weights: number[]
  /** Member indices, best first: the primary, then the others in definition order. */
  priority: number[]
}

export const isLoadAware = (policy: QueuePolicy): boolean => policy === 'queue-depth' || policy === 'service-time'

/** Members' shares for static placement. */
const shareWeights = (p: Placement): number[] => (p.policy === 'weighted' ? p.weights : p.weights.map(() => 1))

/** Lay every virtqueue out afresh over the enabled members. */
export function placeAll(map: QueueMap, p: Placement): void {
  if (map.enabled.length === 0 || p.mode === 'active-passive') {
    map.active.fill(activeMember(map, p))
    return
  }
  const w = shareWeights(p)
  const current = new Map(map.enabled.map((m) => [m, 0]))
  const total = map.enabled.reduce((s, m) => s + w[m], 0)
  for (let vq = 0; vq < map.active.length; vq++) {
    // smooth weighted round-robin (each member gains its weight, the leader pays the total)
    let best = map.enabled[0]
    for (const m of map.enabled) {
      current.set(m, current.get(m)! + w[m])
      if (current.get(m)! > current.get(best)!) best = m
    }
    current.set(best, current.get(best)! - total)
    map.active[vq] = best
  }
}

/** The member an active-passive device uses: the first enabled one in priority order. */
export function activeMember(map: QueueMap, p: Placement): number {
  return p.priority.find((m) => map.enabled.includes(m)) ?? -1
}

/** Take a member out: its virtqueues go to the least loaded survivors. Returns the virtqueues moved. */
export function disableMember(map: QueueMap, member: number, p: Placement): number[] {
  map.enabled = map.enabled.filter((m) => m !== member)
  const moved = map.active.flatMap((m, vq) => (m === member ? [vq] : []))
  if (map.enabled.length === 0) {
    for (const vq of moved) map.active[vq] = -1
    return moved
  }
  if (p.mode === 'active-passive') {
    const to = activeMember(map, p)
    for (const vq of moved) map.active[vq] = to
    return moved
  }
  const w = shareWeights(p)
  const counts = queueCounts(map, p.weights.length)
  for (const vq of moved) {
    const to = leastLoaded(map.enabled, counts, w)
    map.active[vq] = to
    counts[to]++
  }
  return moved
}

/** Bring a member back (failback): it takes virtqueues until the layout is balanced again. */
export function enableMember(map: QueueMap, member: number, p: Placement): number[] {
  if (!map.enabled.includes(member)) map.enabled = [...map.enabled, member].sort((a, b) => a - b)
  if (p.mode === 'active-passive') {
    const to = activeMember(map, p)
    const moved = map.active.flatMap((m, vq) => (m !== to ? [vq] : []))
    map.active.fill(to)
    return moved
  }
  const w = shareWeights(p)
  const counts = queueCounts(map, p.weights.length)
  const total = map.enabled.reduce((s, m) => s + w[m], 0)
  const moved: number[] = []
  const orphans = map.active.flatMap((m, vq) => (m < 0 ? [vq] : []))
  for (const vq of orphans) {
    const to = leastLoaded(map.enabled, counts, w)
    map.active[vq] = to
    counts[to]++
    moved.push(vq)
  }
  // take from the most loaded member while the newcomer is below its share
  while (counts[member] + 1 <= (map.active.length * w[member]) / total) {
    const from = mostLoaded(map.enabled.filter((m) => m !== member), counts, w)
    if (from < 0 || counts[from] === 0) break
    const vq = lastIndex(map.active, from)
    map.active[vq] = member
    counts[from]--
    counts[member]++
    moved.push(vq)
  }
  return moved
}

function leastLoaded(members: number[], counts: number[], w: number[]): number {
  let best = members[0]
  for (const m of members) if (counts[m] / w[m] < counts[best] / w[best]) best = m
  return best
}

function mostLoaded(members: number[], counts: number[], w: number[]): number {
  let best = -1
  for (const m of members) if (best < 0 || counts[m] / w[m] > counts[best] / w[best]) best = m
  return best
}

function lastIndex(active: number[], member: number): number {
  for (let vq = active.length - 1; vq >= 0; vq--) if (active[vq] === member) return vq
  return -1
}

/**
 * One rebalance step of a load-aware policy: `memberLoad` and `queueLoad` are time-averaged outstanding
 * requests (queue-depth) or outstanding bytes per bandwidth (service-time) over the last tick. Moves the one
 * virtqueue of the busiest member that best evens it with the idlest, if that lowers the busiest member's
 * load by at least `threshold` of it. Returns the move, or undefined.
 */
export function rebalanceStep(
  map: QueueMap,
  memberLoad: number[],
  queueLoad: (vq: number, member: number) => number,
  threshold = 0.1,
): {vq: number; from: number; to: number} | undefined {
  if (map.enabled.length < 2) return undefined
  let hi = map.enabled[0]
  let lo = map.enabled[0]
  for (const m of map.enabled) {
    if (memberLoad[m] > memberLoad[hi]) hi = m
    if (memberLoad[m] < memberLoad[lo]) lo = m
  }
  if (hi === lo || memberLoad[hi] <= 0) return undefined
  let best: {vq: number; peak: number} | undefined
  let onHi = 0
  map.active.forEach((m, vq) => {
    if (m !== hi) return
    onHi++
    const peak = Math.max(memberLoad[hi] - queueLoad(vq, hi), memberLoad[lo] + queueLoad(vq, lo))
    if (!best || peak < best.peak) best = {vq, peak}
  })
  if (!best || onHi < 2 || best.peak > memberLoad[hi] * (1 - threshold)) return undefined
  map.active[best.vq] = lo
  return {vq: best.vq, from: hi, to: lo}
}
