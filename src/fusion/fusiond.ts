// FusionD: the aggregation framework. In the talk it "gets the physical devices' information through the ops
// the drivers register, emulates the aggregated device, and provides the common interfaces the aggregated
// device's data-plane passthrough needs" (基于驱动注册的ops获取物理设备信息，模拟出聚合设备，并提供聚合设备
// 数据面直通映射所需的公共接口). Here it builds the device from its members and, while it runs, owns member
// health, the queue map, failover, failback and load-driven remapping.
// Failback follows dm-multipath's `failback` (immediate | manual | N seconds) and ubagg's protocol: the
// member that returns asks its peer (FAILBACK_REQ), the peer notifies its users (FAILBACK_NOTIFY) and answers
// (FAILBACK_RESP) before traffic moves back; `failbackUs` is that round trip.
// [INF] Switch and failback costs are ubmgr's assumptions (a fixed part for FusionD's work plus a part per
// virtqueue moved); they are parameters, not measurements.
import type {FusionDevice} from '../definition/normalize.js'
import {downDetectedAt, upDetectedAt, type Detection} from './detection.js'
import type {Engine} from './engine.js'
import type {Fault} from './faults.js'
import type {Dslice} from './hiaggre-dslice.js'
import type {HiaggreVirtio} from './hiaggre-virtio.js'
import {FUSION_MAX_MEMBERS, type FusionSpec, type MemberHardware, type MemberSpec} from './model.js'
import {disableMember, enableMember, isLoadAware, placeAll, rebalanceStep, type Placement} from './policies.js'
import {newQueueMap, type QueueMap} from './queue-map.js'

/** The framework's ops probe: a spec from the definition and what each slice driver reports. */
export function buildFusionSpec(f: FusionDevice, hardware: MemberHardware[]): {spec: FusionSpec; problems: string[]} {
  const problems: string[] = []
  const members: MemberSpec[] = f.members.map((m, i) => ({
    ...hardware[i],
    queues: m.queues ?? hardware[i].queues,
    name: m.card ?? m.host?.guid ?? `member${i}`,
    card: m.card ?? m.host?.guid ?? `member${i}`,
    guid: m.host?.guid,
    weight: m.weight,
    role: m.role,
  }))
  if (members.length < 2) problems.push(`${f.name}: an aggregated device needs at least 2 member slices (has ${members.length})`)
  if (members.length > FUSION_MAX_MEMBERS) problems.push(`${f.name}: at most ${FUSION_MAX_MEMBERS} members (UBAGG_DEV_MAX_NUM), has ${members.length}`)
  const cards = new Set(members.map((m) => m.card))
  if (cards.size < members.length) problems.push(`${f.name}: members must be slices of distinct cards`)
  return {spec: {name: f.name, kind: f.kind, mode: f.mode, policy: f.policy, failback: f.failback, queues: f.queues, members}, problems}
}

/** Member indices best first: the primary, then the rest in definition order. */
export function priorityOrder(spec: FusionSpec): number[] {
  const idx = spec.members.map((_, i) => i)
  return [...idx.filter((i) => spec.members[i].role === 'primary'), ...idx.filter((i) => spec.members[i].role !== 'primary')]
}

export function placementOf(spec: FusionSpec): Placement {
  return {mode: spec.mode, policy: spec.policy, weights: spec.members.map((m) => m.weight), priority: priorityOrder(spec)}
}

/** A new queue map with every member enabled and the policy's layout. */
export function initialQueueMap(spec: FusionSpec): QueueMap {
  const map = newQueueMap(spec.queues, spec.members.map((m) => m.queues))
  map.enabled = spec.members.map((_, i) => i)
  placeAll(map, placementOf(spec))
  return map
}

export interface FusionOptions {
  detection: Detection
  switchFixedUs: number
  switchPerQueueUs: number
  failbackUs: number
  /** How long requests wait with no member before they fail (dm no_path_retry, SPDK fast_io_fail_timeout). */
  noPathRetryUs: number
  /** Load-aware policies look at the load and move one virtqueue this often. */
  rebalanceUs: number
}

/**
 * [INF] Defaults: switch 200 µs + 20 µs per virtqueue, failback handshake 100 µs, no-path bound 5 s (the
 * default of fast_io_fail_tmo in multipath.conf(5)), rebalance every 10 ms.
 */
export function defaultOptions(detection: Detection): FusionOptions {
  return {detection, switchFixedUs: 200, switchPerQueueUs: 20, failbackUs: 100, noPathRetryUs: 5_000_000, rebalanceUs: 10_000}
}

export type MemberView = 'up' | 'down' | 'standby'

export interface FusionEvent {
  t_us: number
  kind: 'fault' | 'detected' | 'switched' | 'restored' | 'up' | 'standby' | 'failback' | 'remap' | 'no-path' | 'no-path-expired' | 'slow' | 'slow-end'
  member?: number
  detail: string
}

/** One member loss, from the fault to its switch. */
export interface LossRecord {
  kind: Fault['kind']
  member: number
  atUs: number
  detectedAtUs?: number
  switchUs?: number
  movedQueues: number
  /** Virtqueues on the member when it failed. */
  affected: number[]
  /** Requests taken back from it. */
  orphans: number[]
}

export class FusionD {
  readonly map: QueueMap
  readonly placement: Placement
  readonly view: MemberView[]
  readonly events: FusionEvent[] = []
  readonly losses: LossRecord[] = []
  remaps = 0
  private readonly downCount: number[]
  private noPathEpoch = 0
  private readonly names: string[]

  constructor(
    private readonly engine: Engine,
    readonly spec: FusionSpec,
    private readonly slices: Dslice[],
    private readonly virtio: HiaggreVirtio,
    readonly opts: FusionOptions,
    map: QueueMap,
    view?: MemberView[],
  ) {
    this.map = map
    this.placement = placementOf(spec)
    this.view = view ? [...view] : spec.members.map(() => 'up')
    // members a running device has down start with their link down (restored only by a fault's end)
    this.downCount = this.view.map((v) => (v === 'down' ? 1 : 0))
    this.view.forEach((v, m) => v === 'down' && slices[m].stop('down'))
    this.names = spec.members.map((m) => m.name)
    if (spec.mode === 'active-active' && isLoadAware(spec.policy)) this.startRebalancing()
  }

  private log(kind: FusionEvent['kind'], detail: string, member?: number): void {
    this.events.push({t_us: this.engine.now, kind, member, detail})
  }

  /** Schedule a fault on the simulated clock. */
  inject(f: Fault): void {
    this.engine.at(f.atUs, () => this.apply(f))
  }

  private apply(f: Fault): void {
    const back = (m: number) => f.durationUs !== undefined && this.engine.after(f.durationUs, () => this.linkBack(m))
    switch (f.kind) {
      case 'link-down':
      case 'card-reset':
        this.linkLost(f.member!, f.kind)
        back(f.member!)
        break
      case 'all-down':
        this.slices.forEach((_, m) => this.linkLost(m, 'all-down'))
        this.slices.forEach((_, m) => back(m))
        break
      case 'slow':
        this.slices[f.member!].slowFactor = f.factor!
        this.log('slow', `${this.names[f.member!]} at 1/${f.factor} bandwidth, ${f.factor}× latency`, f.member)
        if (f.durationUs !== undefined)
          this.engine.after(f.durationUs, () => {
            this.slices[f.member!].slowFactor = 1
            this.log('slow-end', `${this.names[f.member!]} at full speed`, f.member)
          })
        break
      case 'failback':
        this.operatorFailback()
        break
    }
  }

  private linkLost(m: number, kind: Fault['kind']): void {
    if (this.downCount[m]++ > 0) return
    const affected = this.map.active.flatMap((x, vq) => (x === m ? [vq] : []))
    const taken = this.slices[m].stop(kind === 'card-reset' ? 'resetting' : 'down')
    this.virtio.memberStopped(m, taken)
    const rec: LossRecord = {kind, member: m, atUs: this.engine.now, movedQueues: 0, affected, orphans: []}
    this.losses.push(rec)
    this.log('fault', `${kind} ${this.names[m]}: ${taken.length} request(s) in flight`, m)
    this.engine.at(downDetectedAt(this.opts.detection, this.engine.now), () => this.declareDown(m, rec))
  }

  private linkBack(m: number): void {
    if (--this.downCount[m] > 0) return
    this.slices[m].start(this.engine.now)
    this.log('restored', `${this.names[m]} link up`, m)
    if (this.view[m] === 'down') this.scheduleUp(m)
  }

  private declareDown(m: number, rec: LossRecord): void {
    rec.detectedAtUs = this.engine.now
    if (this.view[m] === 'down') return
    const wasEnabled = this.map.enabled.includes(m)
    this.view[m] = 'down'
    const moved = wasEnabled ? disableMember(this.map, m, this.placement) : []
    if (this.map.enabled.length === 0) this.promoteStandby()
    const cost = this.opts.switchFixedUs + this.opts.switchPerQueueUs * moved.length
    rec.movedQueues = moved.length
    this.log('detected', `${this.names[m]} down (${this.opts.detection.method}); ${moved.length} virtqueue(s) to move`, m)
    this.virtio.hold(moved)
    this.engine.after(cost, () => {
      rec.switchUs = cost
      this.virtio.unhold(moved)
      rec.orphans = this.virtio.resolveOrphans(m)
      this.log('switched', `${moved.length} virtqueue(s) moved off ${this.names[m]}, ${rec.orphans.length} request(s) settled`, m)
    })
    if (this.map.enabled.length === 0) this.noPath()
    if (this.slices[m].up) this.scheduleUp(m)
  }

  private scheduleUp(m: number): void {
    const t = upDetectedAt(this.opts.detection, this.engine.now, this.map.enabled.length === 0)
    this.engine.at(t, () => this.declareUp(m))
  }

  private declareUp(m: number): void {
    if (!this.slices[m].up || this.view[m] !== 'down') return
    const fb = this.spec.failback
    if (this.map.enabled.length === 0) return this.enable(m, 'the only member up')
    if (fb === 'immediate') return this.enable(m, 'failback immediate')
    this.view[m] = 'standby'
    this.log('standby', `${this.names[m]} healthy, waiting for failback (${typeof fb === 'string' ? fb : `after ${fb.afterSeconds} s`})`, m)
    if (typeof fb === 'object')
      this.engine.after(fb.afterSeconds * 1e6, () => {
        if (this.view[m] === 'standby' && this.slices[m].up) this.enable(m, `failback after ${fb.afterSeconds} s`)
      })
  }

  /** An operator's failback: every healthy standby member takes its share again. */
  operatorFailback(): void {
    this.spec.members.forEach((_, m) => {
      if (this.view[m] === 'standby' && this.slices[m].up) this.enable(m, 'failback by operator')
    })
  }

  private promoteStandby(): void {
    const m = this.placement.priority.find((x) => this.view[x] === 'standby' && this.slices[x].up)
    if (m !== undefined) this.useMember(m, 'takes over: no other member is up')
  }

  private enable(m: number, why: string): void {
    this.view[m] = 'up'
    if (this.map.enabled.length === 0) return this.useMember(m, why)
    // FAILBACK_REQ → FAILBACK_NOTIFY → FAILBACK_RESP before traffic moves back
    this.engine.after(this.opts.failbackUs, () => {
      if (this.view[m] === 'up' && this.slices[m].up && !this.map.enabled.includes(m)) this.useMember(m, why)
    })
  }

  private useMember(m: number, why: string): void {
    this.view[m] = 'up'
    const moved = enableMember(this.map, m, this.placement)
    this.log('failback', `${this.names[m]} in use (${why}); ${moved.length} virtqueue(s) moved to it`, m)
    this.noPathEpoch++
    if (this.virtio.noPath.length > 0 || this.virtio.noPathExpired) this.virtio.flushNoPath()
  }

  private noPath(): void {
    const epoch = ++this.noPathEpoch
    this.log('no-path', `no member up: requests wait up to ${this.opts.noPathRetryUs / 1000} ms`)
    this.engine.after(this.opts.noPathRetryUs, () => {
      if (epoch !== this.noPathEpoch || this.map.enabled.length > 0) return
      const n = this.virtio.expireNoPath()
      this.log('no-path-expired', `no member came back within ${this.opts.noPathRetryUs / 1000} ms: ${n} request(s) failed with EIO`)
    })
  }

  private startRebalancing(): void {
    const k = 10
    const memberSum = new Float64Array(this.slices.length)
    const vqSum = new Float64Array(this.map.active.length)
    const serviceTime = this.spec.policy === 'service-time'
    const bw = this.spec.members.map((m) => m.bandwidthMBps)
    let samples = 0
    const sample = () => {
      for (let m = 0; m < this.slices.length; m++)
        memberSum[m] += serviceTime ? this.virtio.bytesAtMember[m] / bw[m] : this.slices[m].inflight.size
      for (let vq = 0; vq < vqSum.length; vq++) vqSum[vq] += serviceTime ? this.virtio.vqBytesAtMember[vq] : this.virtio.vqAtMember[vq]
      if (++samples === k) {
        const load = Array.from(memberSum, (s) => s / k)
        const move = rebalanceStep(this.map, load, (vq, to) => (vqSum[vq] / k) / (serviceTime ? bw[to] : 1))
        if (move) {
          this.remaps++
          this.log('remap', `virtqueue ${move.vq}: ${this.names[move.from]} → ${this.names[move.to]} (${this.spec.policy})`, move.to)
        }
        memberSum.fill(0)
        vqSum.fill(0)
        samples = 0
      }
      this.engine.after(this.opts.rebalanceUs / k, sample)
    }
    this.engine.after(this.opts.rebalanceUs / k, sample)
  }
}
