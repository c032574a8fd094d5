// The report of a run with the field names (what `ubmgr sim io --json` prints), and the timeline
// of per-member throughput the SVG is drawn from. Plain data: the CLI layer renders it.
import type {IoResult, LossResult} from './dataplane.js'
import type {FusionEvent} from './fusiond.js'
import type {GuestVisibleRow} from './guest-visible.js'

export interface IoReport {
  device: string
  kind: string
  mode: string
  policy: string
  detection: string
  workload: string
  faults: string[]
  seed: number
  ios: number
  ios_completed: number
  ios_failed: number
  ios_lost: number
  verify_failures: number
  duplicates: number
  inflight_requeued: number
  completed_from_log: number
  packets_lost: number
  reordered: number
  throughput_mbps: number
  iops: number
  latency_us: {p50: number; p99: number; max: number}
  detect_ms: number | null
  switch_ms: number | null
  interruption_ms: number | null
  members: Array<{name: string; card: string; throughput_mbps: number; ios: number; queues: number; state: string}>
  losses: LossResult[]
  remaps: number
  simulated_ms: number
  events: Array<{t_ms: number; kind: FusionEvent['kind']; member: string | null; detail: string}>
  comparison?: GuestVisibleRow[]
}

const r2 = (x: number) => Math.round(x * 100) / 100
const worst = (xs: Array<number | null>): number | null => {
  const v = xs.filter((x): x is number => x !== null)
  return v.length > 0 ? v.reduce((a, b) => Math.max(a, b)) : null
}

export function ioReport(r: IoResult, comparison?: GuestVisibleRow[]): IoReport {
  return {
    device: r.device,
    kind: r.kind,
    mode: r.mode,
    policy: r.policy,
    detection: r.detection,
    workload: r.workload,
    faults: r.faults,
    seed: r.seed,
    ios: r.ios,
    ios_completed: r.completed,
    ios_failed: r.failed,
    ios_lost: r.lost,
    verify_failures: r.verifyFailures,
    duplicates: r.duplicates,
    inflight_requeued: r.requeued,
    completed_from_log: r.fromLog,
    packets_lost: r.packetsLost,
    reordered: r.reordered,
    throughput_mbps: r2(r.throughputMBps),
    iops: Math.round(r.iops),
    latency_us: {p50: r2(r.latencyUs.p50), p99: r2(r.latencyUs.p99), max: r2(r.latencyUs.max)},
    detect_ms: worst(r.losses.map((l) => l.detect_ms)),
    switch_ms: worst(r.losses.map((l) => l.switch_ms)),
    interruption_ms: worst(r.losses.map((l) => l.interruption_ms)),
    members: r.members.map((m) => ({name: m.name, card: m.card, throughput_mbps: r2(m.throughputMBps), ios: m.ios, queues: m.queues, state: m.view})),
    losses: r.losses,
    remaps: r.remaps,
    simulated_ms: r2(r.durationUs / 1000),
    events: r.events.map((e) => ({t_ms: r2(e.t_us / 1000), kind: e.kind, member: e.member === undefined ? null : r.members[e.member].name, detail: e.detail})),
    ...(comparison ? {comparison} : {}),
  }
}

/** Series and markers for a line chart of per-member throughput over simulated time (ms). */
export function throughputTimeline(r: IoResult): {series: Array<{name: string; points: Array<[number, number]>}>; markers: Array<{x: number; label: string}>} {
  const {bucketUs, perMemberMBps} = r.timeline
  const series = r.members.map((m, i) => ({name: m.name, points: perMemberMBps[i].map((y, b): [number, number] => [r2(((b + 0.5) * bucketUs) / 1000), r2(y)])}))
  const markers = r.events
    .filter((e) => e.kind === 'fault' || e.kind === 'restored' || e.kind === 'slow' || (e.kind === 'failback' && e.t_us > 0))
    .map((e) => ({x: r2(e.t_us / 1000), label: `${e.kind} ${e.member === undefined ? '' : r.members[e.member].name}`.trim()}))
  return {series, markers}
}
