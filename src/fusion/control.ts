// FusionD's control plane for a running domain: the state kept with the domain (members' health, the queue
// map, what vfio_fusiond realized) and the operator's verbs on it: fail a member, restore it, status.
// Times here are wall-clock milliseconds passed in by the caller (the store keeps them), so a failback
// `after N s` takes effect on the first command N seconds after the member came back.
import {simulateIo} from './dataplane.js'
import {defaultDetection} from './detection.js'
import {placementOf, type MemberView} from './fusiond.js'
import type {FusionSpec, MemberSpec} from './model.js'
import {disableMember, enableMember} from './policies.js'
import {queueCounts, type QueueMap} from './queue-map.js'
import type {VfioFusionDevice} from './vfio-fusiond.js'
import {defaultWorkload} from './workload.js'

export interface FusionRuntime {
  spec: FusionSpec
  transport: 'pci' | 'ub'
  view: MemberView[]
  /** When a standby member's deferred failback is due (wall-clock ms), by member index. */
  failbackAt: Array<number | null>
  map: QueueMap
  realized: VfioFusionDevice
  events: Array<{at: string; kind: string; detail: string}>
}

const MAX_EVENTS = 20

export function newRuntime(spec: FusionSpec, transport: 'pci' | 'ub', map: QueueMap, realized: VfioFusionDevice): FusionRuntime {
  return {spec, transport, view: spec.members.map(() => 'up'), failbackAt: spec.members.map(() => null), map, realized, events: []}
}

function note(rt: FusionRuntime, now: number, kind: string, detail: string): void {
  rt.events = [...rt.events, {at: new Date(now).toISOString(), kind, detail}].slice(-MAX_EVENTS)
}

/** A member by name (card), host GUID or index; undefined if none matches. */
export function findMember(rt: FusionRuntime, text: string): number | undefined {
  const t = text.toLowerCase()
  const i = rt.spec.members.findIndex((m) => m.name.toLowerCase() === t || m.card.toLowerCase() === t || m.guid === t)
  if (i >= 0) return i
  return /^\d+$/.test(text) && Number(text) < rt.spec.members.length ? Number(text) : undefined
}

const names = (rt: FusionRuntime) => rt.spec.members.map((m) => m.name).join(', ')

/** The member's link goes down: FusionD moves its virtqueues to the others. Returns what happened. */
export function failMember(rt0: FusionRuntime, member: number, now: number): {rt: FusionRuntime; message: string} {
  const rt = structuredClone(rt0)
  const m = rt.spec.members[member]
  if (rt.view[member] === 'down') throw new Error(`member ${m.name} of ${rt.spec.name} is already down`)
  const p = placementOf(rt.spec)
  const moved = rt.map.enabled.includes(member) ? disableMember(rt.map, member, p) : []
  rt.view[member] = 'down'
  rt.failbackAt[member] = null
  // a standby takes over when nothing else is left
  if (rt.map.enabled.length === 0) {
    const standby = p.priority.find((i) => rt.view[i] === 'standby')
    if (standby !== undefined) {
      rt.view[standby] = 'up'
      rt.failbackAt[standby] = null
      enableMember(rt.map, standby, p)
    }
  }
  const left = rt.map.enabled.map((i) => rt.spec.members[i].name)
  const message =
    left.length === 0
      ? `${m.name} down: no member of ${rt.spec.name} is up; requests wait up to 5000 ms, then fail with EIO`
      : `${m.name} down: ${moved.length} virtqueue(s) moved to ${left.join(', ')}`
  note(rt, now, 'fail', message)
  return {rt, message}
}

/** The member's link is back; it takes traffic again as the failback policy says (or now, with `failback`). */
export function restoreMember(rt0: FusionRuntime, member: number, now: number, opts: {failback: boolean}): {rt: FusionRuntime; message: string} {
  const rt = structuredClone(rt0)
  const m = rt.spec.members[member]
  if (rt.view[member] === 'up') throw new Error(`member ${m.name} of ${rt.spec.name} is up already`)
  const fb = rt.spec.failback
  let message: string
  if (opts.failback || fb === 'immediate' || rt.map.enabled.length === 0) {
    const moved = enableMember(rt.map, member, placementOf(rt.spec))
    rt.view[member] = 'up'
    rt.failbackAt[member] = null
    message = `${m.name} up: ${moved.length} virtqueue(s) moved to it (${opts.failback ? 'failback by operator' : rt.map.enabled.length === 1 ? 'the only member up' : 'failback immediate'})`
  } else {
    rt.view[member] = 'standby'
    rt.failbackAt[member] = typeof fb === 'object' ? now + fb.afterSeconds * 1000 : null
    message =
      typeof fb === 'object'
        ? `${m.name} up, standby: traffic moves back after ${fb.afterSeconds} s (failback after ${fb.afterSeconds} s)`
        : `${m.name} up, standby: traffic stays where it is (failback manual); move it with --failback`
  }
  note(rt, now, 'restore', message)
  return {rt, message}
}

/** Apply deferred failbacks that are due. Returns the new state, or undefined if nothing was due. */
export function applyDueFailbacks(rt0: FusionRuntime, now: number): FusionRuntime | undefined {
  const due = rt0.failbackAt.flatMap((t, i) => (t !== null && t <= now && rt0.view[i] === 'standby' ? [i] : []))
  if (due.length === 0) return undefined
  const rt = structuredClone(rt0)
  for (const i of due) {
    const moved = enableMember(rt.map, i, placementOf(rt.spec))
    rt.view[i] = 'up'
    rt.failbackAt[i] = null
    note(rt, rt0.failbackAt[i]!, 'failback', `${rt.spec.members[i].name}: ${moved.length} virtqueue(s) moved back (failback after ${(rt.spec.failback as {afterSeconds: number}).afterSeconds} s)`)
  }
  return rt
}

export interface FusionStatus {
  device: string
  kind: string
  transport: string
  mode: string
  policy: string
  failback: string
  queues: number
  health: 'healthy' | 'degraded' | 'down'
  members: Array<{name: string; card: string; guid: string | null; state: MemberView; role: MemberSpec['role'] | null; weight: number; queues: number; load_pct: number; throughput_mbps: number; failback_due: string | null}>
  queue_map: Array<{vq: number; member: string | null; queue: number | null}>
  events: FusionRuntime['events']
  load_basis: string
}

/** Members, health, the queue map and each member's load, sampled by running the default workload on the map as it is. */
export function fusionStatus(rt: FusionRuntime): FusionStatus {
  const spec = rt.spec
  const counts = queueCounts(rt.map, spec.members.length)
  const sampleIos = 20_000
  const sample = simulateIo(spec, defaultWorkload(spec.kind), {ios: sampleIos, seed: 1, faults: [], detection: defaultDetection(), start: {map: rt.map, view: rt.view}})
  const total = sample.members.reduce((s, m) => s + m.throughputMBps, 0)
  const up = rt.view.filter((v) => v === 'up').length
  return {
    device: spec.name,
    kind: spec.kind,
    transport: rt.transport,
    mode: spec.mode,
    policy: spec.policy,
    failback: typeof spec.failback === 'string' ? spec.failback : `after ${spec.failback.afterSeconds} s`,
    queues: spec.queues,
    health: up === spec.members.length ? 'healthy' : rt.map.enabled.length > 0 ? 'degraded' : 'down',
    members: spec.members.map((m, i) => ({
      name: m.name,
      card: m.card,
      guid: m.guid ?? null,
      state: rt.view[i],
      role: m.role ?? null,
      weight: m.weight,
      queues: counts[i],
      load_pct: total > 0 ? Math.round((sample.members[i].throughputMBps / total) * 1000) / 10 : 0,
      throughput_mbps: Math.round(sample.members[i].throughputMBps),
      failback_due: rt.failbackAt[i] === null ? null : new Date(rt.failbackAt[i]!).toISOString(),
    })),
    queue_map: rt.map.active.map((m, vq) => ({vq, member: m < 0 ? null : spec.members[m].name, queue: m < 0 ? null : rt.map.slaves[vq][m]})),
    events: rt.events,
    load_basis: `share of ${sampleIos} requests of the default ${spec.kind} workload simulated on this map (${names(rt)})`,
  }
}
