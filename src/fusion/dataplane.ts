// One run of the aggregated device's data plane: the guest's workload through hiaggre_virtio and the queue
// map onto the member slices, with faults, FusionD's detection, switch and failback — on the discrete-event
// clock, the same result for the same seed. Also used, with other detection and requeue settings, to model
// what a guest-visible bond or dm-multipath does with the same fault (guest-visible.ts).
import {UbmgrError} from '../ground/errors.js'
import {defaultDetection, type Detection} from './detection.js'
import {Engine, Random} from './engine.js'
import {describeFault, randomFaults, type Fault} from './faults.js'
import {defaultOptions, FusionD, initialQueueMap, type FusionEvent, type FusionOptions, type MemberView} from './fusiond.js'
import {Dslice} from './hiaggre-dslice.js'
import {HiaggreVirtio, Op, Requests, St, type Resolution} from './hiaggre-virtio.js'
import type {FusionSpec} from './model.js'
import {queueCounts, type QueueMap} from './queue-map.js'
import {BlockStore, describeWorkload, NetReceiver, type Workload} from './workload.js'

export interface IoOptions {
  /** Requests (block) or packets (net) the guest posts. */
  ios: number
  seed: number
  /** The faults, or `random` for random member faults that are all restored. */
  faults: Fault[] | 'random'
  detection?: Detection
  resolution?: Resolution
  options?: Partial<Omit<FusionOptions, 'detection'>>
  /** Timeline resolution. */
  buckets?: number
  /** Start from a running device's state instead of every member up: its map and FusionD's view of members. */
  start?: {map: QueueMap; view: MemberView[]}
}

export interface LossResult {
  kind: Fault['kind']
  member: string
  at_ms: number
  detect_ms: number | null
  switch_ms: number | null
  interruption_ms: number | null
  queues_moved: number
  inflight_taken: number
}

export interface IoResult {
  device: string
  kind: FusionSpec['kind']
  mode: FusionSpec['mode']
  policy: FusionSpec['policy']
  workload: string
  faults: string[]
  seed: number
  detection: Detection['method']
  ios: number
  completed: number
  failed: number
  lost: number
  verifyFailures: number
  duplicates: number
  reexecuted: number
  requeued: number
  fromLog: number
  reads: number
  packetsDelivered: number
  packetsLost: number
  reordered: number
  durationUs: number
  throughputMBps: number
  iops: number
  latencyUs: {p50: number; p99: number; max: number}
  members: Array<{name: string; card: string; ios: number; throughputMBps: number; queues: number; view: string}>
  losses: LossResult[]
  remaps: number
  events: FusionEvent[]
  timeline: {bucketUs: number; perMemberMBps: number[][]}
}

/** Random faults: one per 10,000 requests, at least 3. */
export const randomFaultCount = (ios: number): number => Math.max(3, Math.round(ios / 10_000))

/** How long `ios` requests should take on healthy members: the span random faults are spread over. */
export function expectedSpanUs(spec: FusionSpec, w: Workload, ios: number): number {
  if (w.kind === 'net') return (ios / w.pps) * 1e6
  if (w.rateIops > 0) return (ios / w.rateIops) * 1e6
  const bw = spec.members.map((m) => m.bandwidthMBps)
  const capacity = spec.mode === 'active-passive' ? bw.reduce((a, b) => Math.max(a, b), 0) : bw.reduce((a, b) => a + b, 0)
  return (ios * w.bs) / capacity
}

export function simulateIo(spec: FusionSpec, workload: Workload, o: IoOptions): IoResult {
  const rnd = new Random(o.seed)
  const detection = {...(o.detection ?? defaultDetection())}
  if (detection.method === 'polling') detection.phaseUs = rnd.next() * detection.intervalUs
  const opts: FusionOptions = {...defaultOptions(detection), ...o.options}
  const faults = o.faults === 'random' ? randomFaults(rnd, spec.members.length, expectedSpanUs(spec, workload, o.ios), randomFaultCount(o.ios)) : o.faults
  const engine = new Engine()
  const req = new Requests(o.ios)
  const slices = spec.members.map((m, i) => new Dslice(i, m))
  const map = o.start ? structuredClone(o.start.map) : initialQueueMap(spec)
  const q = spec.queues
  let store: BlockStore | undefined
  let receiver: NetReceiver | undefined
  let iodepth = Infinity
  if (workload.kind === 'block') {
    if (Math.floor(workload.blocks / q) < workload.iodepth * 2)
      throw new UbmgrError(`error: ${workload.blocks} blocks over ${q} virtqueues leave fewer than 2 × iodepth (${workload.iodepth}) blocks per job`)
    store = new BlockStore(workload.blocks, o.seed)
    iodepth = workload.iodepth
  } else receiver = new NetReceiver(q)
  const virtio = new HiaggreVirtio(engine, req, map, slices, iodepth, o.resolution ?? 'exactly-once', store, receiver, workload.kind === 'net' ? workload.ring : Infinity)
  const fusiond = new FusionD(engine, spec, slices, virtio, opts, map, o.start?.view)
  for (const f of faults) fusiond.inject(f)

  const gen = generator(workload, req, q, rnd)
  let done = 0
  virtio.onIssue = (r) => gen.issue(r)
  virtio.onGuestDone = (r) => {
    gen.release(r)
    if (++done === o.ios) engine.stop()
    else if (workload.kind === 'block' && workload.rateIops === 0 && req.created < o.ios) virtio.post(gen.create(req.vq[r], engine.now))
  }
  if (workload.kind === 'block' && workload.rateIops === 0) {
    for (let d = 0; d < workload.iodepth; d++) for (let vq = 0; vq < q && req.created < o.ios; vq++) virtio.post(gen.create(vq, 0))
  } else {
    const rate = workload.kind === 'net' ? workload.pps : workload.rateIops
    const meanUs = (q * 1e6) / rate
    for (let vq = 0; vq < q; vq++) {
      const arrive = () => {
        if (req.created >= o.ios) return
        virtio.post(gen.create(vq, engine.now))
        engine.after(rnd.exp(meanUs), arrive)
      }
      engine.at(rnd.exp(meanUs), arrive)
    }
  }
  // A bound on simulated time, so a request that never finishes shows up as lost instead of a run that never ends.
  const lastFault = faults.reduce((t, f) => Math.max(t, f.atUs + (f.durationUs ?? 0)), 0)
  if (o.ios > 0) engine.run(lastFault + opts.noPathRetryUs + 100 * expectedSpanUs(spec, workload, o.ios) + 60e6)
  return summarize(spec, workload, o, faults, detection, req, virtio, fusiond, store, receiver)
}

/** Requests as fio would issue them: one job per virtqueue, its own region, no two in flight on one block. */
function generator(w: Workload, req: Requests, q: number, rnd: Random) {
  const busy = w.kind === 'block' ? new Uint8Array(w.blocks) : undefined
  const region = w.kind === 'block' ? Math.floor(w.blocks / q) : 0
  const seq = new Int32Array(q)
  let numberio = 0
  return {
    create(vq: number, now: number): number {
      const r = req.created++
      req.vq[r] = vq
      req.arrival[r] = now
      if (w.kind === 'net') {
        req.op[r] = Op.Packet
        req.bytes[r] = w.size
        req.numberio[r] = seq[vq]++
        return r
      }
      req.bytes[r] = w.bs
      const read = w.rw === 'randread' || (w.rw === 'randrw' && rnd.next() * 100 < w.rwmixread)
      req.op[r] = read ? Op.Read : rnd.next() * 100 < w.nonIdempotent ? Op.NonIdempotent : Op.Write
      return r
    },
    /** The request is sent: a random free block of its job's region (at most iodepth of them are busy). */
    issue(r: number): void {
      if (!busy) return
      const vq = req.vq[r]
      if (req.op[r] !== Op.Read) req.numberio[r] = ++numberio
      let lba = vq * region + rnd.int(region)
      while (busy[lba]) lba = lba + 1 < (vq + 1) * region ? lba + 1 : vq * region
      busy[lba] = 1
      req.lba[r] = lba
    },
    release(r: number): void {
      if (busy) busy[req.lba[r]] = 0
    },
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

const ms = (us: number | undefined) => (us === undefined ? null : Math.round(us) / 1000)

function summarize(
  spec: FusionSpec,
  w: Workload,
  o: IoOptions,
  faults: Fault[],
  detection: Detection,
  req: Requests,
  virtio: HiaggreVirtio,
  fusiond: FusionD,
  store: BlockStore | undefined,
  receiver: NetReceiver | undefined,
): IoResult {
  const n = req.created
  let end = 0
  let completed = 0
  let never = 0
  const lat = new Float64Array(n)
  let nLat = 0
  const bytesBy = new Float64Array(spec.members.length)
  const iosBy = new Float64Array(spec.members.length)
  for (let r = 0; r < n; r++) {
    const st = req.status[r]
    if (st === St.Done) {
      completed++
      lat[nLat++] = req.doneAt[r] - req.arrival[r]
      bytesBy[req.member[r]] += req.bytes[r]
      iosBy[req.member[r]]++
    } else if (st !== St.Failed && st !== St.Lost) never++
    if (req.doneAt[r] > end) end = req.doneAt[r]
  }
  const sorted = lat.subarray(0, nLat).sort()
  const buckets = o.buckets ?? 100
  const bucketUs = Math.max(1, end / buckets)
  const perMember = spec.members.map(() => new Array<number>(buckets).fill(0))
  for (let r = 0; r < n; r++)
    if (req.status[r] === St.Done) perMember[req.member[r]][Math.min(buckets - 1, Math.floor(req.doneAt[r] / bucketUs))] += req.bytes[r]
  const counts = queueCounts(fusiond.map, spec.members.length)
  const total = bytesBy.reduce((a, b) => a + b, 0)
  return {
    device: spec.name,
    kind: spec.kind,
    mode: spec.mode,
    policy: spec.policy,
    workload: describeWorkload(w),
    faults: faults.map((f) => describeFault(f, spec.members.map((m) => m.name))),
    seed: o.seed,
    detection: detection.method,
    ios: n,
    completed,
    failed: virtio.counters.failed,
    lost: never + virtio.counters.unexecutedAcks,
    verifyFailures: store?.verifyFailures ?? 0,
    duplicates: virtio.counters.duplicates,
    reexecuted: virtio.counters.reexecuted,
    requeued: virtio.counters.requeued,
    fromLog: virtio.counters.fromLog,
    reads: store?.reads ?? 0,
    packetsDelivered: receiver?.delivered ?? 0,
    packetsLost: virtio.counters.packetsLost,
    reordered: receiver?.reordered ?? 0,
    durationUs: end,
    throughputMBps: end > 0 ? total / end : 0,
    iops: end > 0 ? (completed / end) * 1e6 : 0,
    latencyUs: {p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: nLat > 0 ? sorted[nLat - 1] : 0},
    members: spec.members.map((m, i) => ({name: m.name, card: m.card, ios: iosBy[i], throughputMBps: end > 0 ? bytesBy[i] / end : 0, queues: counts[i], view: fusiond.view[i]})),
    losses: fusiond.losses.map((l) => lossResult(l, spec, req, w)),
    remaps: fusiond.remaps,
    events: fusiond.events,
    timeline: {bucketUs, perMemberMBps: perMember.map((s) => s.map((b) => b / bucketUs))},
  }
}

/** Detection, switch and the guest-visible interruption of one member loss. */
function lossResult(l: FusionD['losses'][number], spec: FusionSpec, req: Requests, w: Workload): LossResult {
  let interruption: number | undefined
  if (l.detectedAtUs !== undefined && l.switchUs !== undefined) {
    if (w.kind === 'block') {
      // the longest any request caught by the loss waited for its completion
      let last = l.orphans.length > 0 ? -Infinity : l.detectedAtUs + l.switchUs
      for (const r of l.orphans) if (req.doneAt[r] > last) last = req.doneAt[r]
      interruption = last - l.atUs
    } else {
      // per flow on the lost member: the first packet sent after the loss that arrives
      const first = new Map<number, number>()
      const affected = new Set(l.affected)
      for (let r = 0; r < req.created; r++)
        if (req.status[r] === St.Done && affected.has(req.vq[r]) && req.arrival[r] >= l.atUs) {
          const prev = first.get(req.vq[r])
          if (prev === undefined || req.doneAt[r] < prev) first.set(req.vq[r], req.doneAt[r])
        }
      interruption = first.size > 0 ? [...first.values()].reduce((a, b) => Math.max(a, b), -Infinity) - l.atUs : undefined
    }
  }
  return {
    kind: l.kind,
    member: spec.members[l.member].name,
    at_ms: ms(l.atUs)!,
    detect_ms: l.detectedAtUs === undefined ? null : ms(l.detectedAtUs - l.atUs),
    switch_ms: ms(l.switchUs),
    interruption_ms: ms(interruption),
    queues_moved: l.movedQueues,
    inflight_taken: l.orphans.length,
  }
}
