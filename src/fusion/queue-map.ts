// The virtqueue → (member, member queue) map: the unit of cross-card scheduling in the talk ("队列是处理IO
// 任务的最小工作单元": the queue is the smallest unit of IO work, and the aggregated device schedules across
// cards by mapping queues). Modelled on ubagg's per-queue slave table (ubagg_jetty_exchange_info: one slave
// queue per member, `enabled_indices`/`enabled_count` for the members in use): every virtqueue has a queue
// on every member, and one of them, `active`, carries its requests.

export interface QueueMap {
  /** slaves[vq][member]: the member queue that virtqueue vq uses on that member. */
  slaves: number[][]
  /** active[vq]: the member carrying vq's requests, -1 while no member is enabled. */
  active: number[]
  /** Members in use, ascending (ubagg enabled_indices). */
  enabled: number[]
}

/** Each virtqueue gets member queue vq mod (queues of that member) on every member. */
export function newQueueMap(virtqueues: number, memberQueues: number[]): QueueMap {
  const slaves = Array.from({length: virtqueues}, (_, vq) => memberQueues.map((n) => vq % Math.max(1, n)))
  return {slaves, active: new Array<number>(virtqueues).fill(-1), enabled: []}
}

/** Virtqueues per member, in member order. */
export function queueCounts(map: QueueMap, members: number): number[] {
  const counts = new Array<number>(members).fill(0)
  for (const m of map.active) if (m >= 0) counts[m]++
  return counts
}

/** The member queue a virtqueue's requests go to right now. */
export function target(map: QueueMap, vq: number): {member: number; queue: number} | undefined {
  const m = map.active[vq]
  return m < 0 ? undefined : {member: m, queue: map.slaves[vq][m]}
}

/**
 * Problems with a map, empty when it holds: every virtqueue on an enabled and healthy member, and, for a
 * balanced layout, per-member queue counts within one of their weighted share.
 */
export function queueMapProblems(map: QueueMap, healthy: boolean[], balance?: {weights: number[]}): string[] {
  const out: string[] = []
  const anyUp = map.enabled.some((m) => healthy[m])
  map.active.forEach((m, vq) => {
    if (m < 0) {
      if (anyUp) out.push(`virtqueue ${vq} is unmapped while members ${map.enabled.filter((x) => healthy[x]).join(',')} are up`)
    } else if (!map.enabled.includes(m)) out.push(`virtqueue ${vq} is on member ${m}, which is not enabled`)
    else if (!healthy[m]) out.push(`virtqueue ${vq} is on member ${m}, which is down`)
  })
  if (balance && map.enabled.length > 0) {
    const counts = queueCounts(map, healthy.length)
    const total = map.enabled.reduce((s, m) => s + balance.weights[m], 0)
    for (const m of map.enabled) {
      const share = (map.active.length * balance.weights[m]) / total
      if (Math.abs(counts[m] - share) >= 1 - 1e-9) out.push(`member ${m} has ${counts[m]} virtqueues, its weighted share is ${share.toFixed(2)}`)
    }
  }
  return out
}
