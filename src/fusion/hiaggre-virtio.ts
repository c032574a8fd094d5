// hiaggre_virtio: turns the guest's virtio requests into work for the member slices. In the talk it
// "handles the device-space accesses vfio_fusiond passes down, translates them into virtio behaviour, and
// forwards each to the physical sub-device its mapping names" (处理vfio_fusiond下发的设备空间访问，翻译为
// virtio协议的行为，并根据子设备映射关系通过驱动转发给对应的物理子设备的操作).
// Requests stay the guest's until they complete exactly once:
//   - a request on a member that fails is taken back (an orphan); when FusionD has switched its virtqueue,
//     writes the store already executed complete from the completion log without running again, and the
//     rest go to the virtqueue's new member (the Varuna lesson: blind resend breaks non-idempotent commands;
//     dm-multipath's DM_ENDIO_REQUEUE and NVMe's nvme_failover_req resubmit on another path);
//   - with no member left a request waits, up to FusionD's bound, then fails with an error (no_path_retry);
//   - net packets are not resent: virtio-net hands a TX buffer back once the device has consumed it, so a
//     packet on a failed card is lost, as in bonding, and L4 recovers it.
// [INF] The completion log is ubmgr's model of how exactly-once can be had (Varuna piggybacks one; URMA's
// bond provider numbers messages, MSN, for the same reason); no public source says what hiaggre_virtio does.
import type {Engine} from './engine.js'
import type {Dslice} from './hiaggre-dslice.js'
import type {QueueMap} from './queue-map.js'
import {BlockStore, NetReceiver} from './workload.js'

export type Resolution = 'exactly-once' | 'blind-requeue'

export const enum Op {
  Read = 0,
  Write = 1,
  /** VIRTIO_BLK_T_ZONE_APPEND / SCSI COMPARE AND WRITE: running it twice is not the same as once. */
  NonIdempotent = 2,
  Packet = 3,
}

export const enum St {
  Free = 0,
  Waiting = 1,
  Inflight = 2,
  Orphan = 3,
  Done = 4,
  Failed = 5,
  Lost = 6,
}

export interface VirtioCounters {
  requeued: number
  fromLog: number
  failed: number
  /** Writes the guest saw complete that the store never executed. */
  unexecutedAcks: number
  duplicates: number
  reexecuted: number
  packetsLost: number
}

/** Per-request tables, indexed by request id (typed arrays: a million requests stay cheap). */
export class Requests {
  readonly vq: Uint16Array
  readonly op: Uint8Array
  readonly lba: Int32Array
  readonly numberio: Int32Array
  readonly bytes: Uint32Array
  readonly arrival: Float64Array
  readonly dispatchedAt: Float64Array
  readonly executedAt: Float64Array
  readonly doneAt: Float64Array
  readonly dispatchNo: Uint32Array
  readonly member: Int8Array
  readonly execCount: Uint8Array
  readonly status: Uint8Array
  /** Read results: the verify header number that came back. */
  readonly readNumberio: Int32Array
  readonly readCrc: Uint32Array
  created = 0

  constructor(readonly capacity: number) {
    this.vq = new Uint16Array(capacity)
    this.op = new Uint8Array(capacity)
    this.lba = new Int32Array(capacity)
    this.numberio = new Int32Array(capacity)
    this.bytes = new Uint32Array(capacity)
    this.arrival = new Float64Array(capacity)
    this.dispatchedAt = new Float64Array(capacity)
    this.executedAt = new Float64Array(capacity)
    this.doneAt = new Float64Array(capacity).fill(NaN)
    this.dispatchNo = new Uint32Array(capacity)
    this.member = new Int8Array(capacity).fill(-1)
    this.execCount = new Uint8Array(capacity)
    this.status = new Uint8Array(capacity)
    this.readNumberio = new Int32Array(capacity)
    this.readCrc = new Uint32Array(capacity)
  }
}

export class HiaggreVirtio {
  readonly counters: VirtioCounters = {requeued: 0, fromLog: 0, failed: 0, unexecutedAcks: 0, duplicates: 0, reexecuted: 0, packetsLost: 0}
  /** Requests the guest has posted and not seen complete, per virtqueue. */
  readonly outstanding: Int32Array
  /** Requests at the member, per virtqueue and per member (for load-aware placement). */
  readonly vqAtMember: Int32Array
  readonly vqBytesAtMember: Float64Array
  readonly bytesAtMember: Float64Array
  private readonly backlog: number[][]
  private readonly held: boolean[]
  private readonly heldList: number[][]
  /** Orphans per member: taken back from a failed slice, waiting for FusionD's switch. */
  readonly orphans: number[][]
  /** Requests waiting for any member to come back. */
  noPath: number[] = []
  /** Set once the no-path bound has passed: requests with no member fail at once. */
  noPathExpired = false
  onGuestDone: (r: number) => void = () => {}
  /** A request gets one of its virtqueue's iodepth slots (fio picks the offset then). */
  onIssue: (r: number) => void = () => {}

  constructor(
    private readonly engine: Engine,
    readonly req: Requests,
    private readonly map: QueueMap,
    private readonly slices: Dslice[],
    private readonly iodepth: number,
    readonly resolution: Resolution,
    readonly store: BlockStore | undefined,
    readonly receiver: NetReceiver | undefined,
    private readonly ring = Infinity,
  ) {
    const q = map.active.length
    this.outstanding = new Int32Array(q)
    this.vqAtMember = new Int32Array(q)
    this.vqBytesAtMember = new Float64Array(q)
    this.bytesAtMember = new Float64Array(slices.length)
    this.backlog = Array.from({length: q}, () => [])
    this.held = new Array<boolean>(q).fill(false)
    this.heldList = Array.from({length: q}, () => [])
    this.orphans = slices.map(() => [])
  }

  /** The guest posts request r on its virtqueue. */
  post(r: number): void {
    const vq = this.req.vq[r]
    this.req.status[r] = St.Waiting
    if (this.outstanding[vq] >= this.iodepth) this.backlog[vq].push(r)
    else this.issue(r)
  }

  private issue(r: number): void {
    this.outstanding[this.req.vq[r]]++
    this.onIssue(r)
    this.route(r)
  }

  /** Send r where its virtqueue is mapped now. */
  private route(r: number): void {
    const vq = this.req.vq[r]
    if (this.held[vq]) {
      this.req.status[r] = St.Waiting
      this.heldList[vq].push(r)
      return
    }
    const m = this.map.active[vq]
    if (m < 0) return this.withoutMember(r)
    this.dispatch(r, m)
  }

  private withoutMember(r: number): void {
    if (this.req.op[r] === Op.Packet) return this.lose(r)
    // failed at once, but as its own event: a closed-loop guest reposts from the completion
    if (this.noPathExpired) return this.engine.after(0, () => this.finish(r, false))
    this.req.status[r] = St.Waiting
    this.noPath.push(r)
  }

  private dispatch(r: number, m: number): void {
    const req = this.req
    const slice = this.slices[m]
    req.member[r] = m
    req.dispatchedAt[r] = this.engine.now
    if (!slice.up) {
      // FusionD has not noticed yet: the request goes nowhere
      if (req.op[r] === Op.Packet) return this.lose(r)
      req.status[r] = St.Orphan
      req.executedAt[r] = Infinity
      this.orphans[m].push(r)
      return
    }
    if (slice.inflight.size >= this.ring) return this.lose(r)
    const {executedAt, completeAt} = slice.submit(this.engine.now, req.bytes[r])
    req.executedAt[r] = executedAt
    req.status[r] = St.Inflight
    slice.inflight.add(r)
    this.atMember(r, m, 1)
    const no = ++req.dispatchNo[r]
    this.engine.at(completeAt, () => this.completion(r, no))
  }

  private atMember(r: number, m: number, sign: 1 | -1): void {
    const vq = this.req.vq[r]
    this.vqAtMember[vq] += sign
    this.vqBytesAtMember[vq] += sign * this.req.bytes[r]
    this.bytesAtMember[m] += sign * this.req.bytes[r]
  }

  /** A member's completion reaches the host (stale ones, from before a failure, are ignored). */
  private completion(r: number, no: number): void {
    const req = this.req
    if (req.dispatchNo[r] !== no) return
    if (req.status[r] === St.Inflight) {
      this.slices[req.member[r]].inflight.delete(r)
      this.atMember(r, req.member[r], -1)
    }
    this.execute(r)
    this.finish(r, true)
  }

  /** The store (or the wire) carries the request out. */
  private execute(r: number): void {
    const req = this.req
    const n = ++req.execCount[r]
    if (n === 2) {
      if (req.op[r] === Op.NonIdempotent) this.counters.duplicates++
      else this.counters.reexecuted++
    }
    switch (req.op[r]) {
      case Op.Read: {
        const got = this.store!.read(req.lba[r])
        req.readNumberio[r] = got.numberio
        req.readCrc[r] = got.crc
        break
      }
      case Op.Write:
      case Op.NonIdempotent:
        this.store!.write(req.lba[r], req.numberio[r])
        break
      case Op.Packet:
        this.receiver!.receive(req.vq[r], req.numberio[r])
        break
    }
  }

  /** The guest sees r complete (ok) or fail. */
  private finish(r: number, ok: boolean): void {
    const req = this.req
    req.status[r] = ok ? St.Done : St.Failed
    req.doneAt[r] = this.engine.now
    if (!ok) this.counters.failed++
    const op = req.op[r]
    if (op === Op.Write || op === Op.NonIdempotent) {
      if (ok && req.execCount[r] === 0) this.counters.unexecutedAcks++
      this.store!.acknowledge(req.lba[r], req.numberio[r], ok)
    } else if (op === Op.Read && ok) this.store!.verifyRead(req.lba[r], {numberio: req.readNumberio[r], crc: req.readCrc[r]})
    this.release(r)
  }

  private lose(r: number): void {
    this.req.status[r] = St.Lost
    this.req.doneAt[r] = this.engine.now
    this.counters.packetsLost++
    this.release(r)
  }

  private release(r: number): void {
    const vq = this.req.vq[r]
    this.outstanding[vq]--
    const next = this.backlog[vq].shift()
    if (next !== undefined) this.issue(next)
    this.onGuestDone(r)
  }

  /** A slice stopped at `now`: take its requests back. Returns how many. */
  memberStopped(m: number, taken: number[]): number {
    const req = this.req
    const now = this.engine.now
    for (const r of taken) {
      this.atMember(r, m, -1)
      if (req.op[r] === Op.Packet) {
        // on the wire already: it arrives; still in the card: gone
        if (req.executedAt[r] <= now) continue
        req.dispatchNo[r]++
        this.lose(r)
        continue
      }
      req.dispatchNo[r]++
      if (req.executedAt[r] <= now) this.execute(r)
      req.status[r] = St.Orphan
      this.orphans[m].push(r)
    }
    return taken.length
  }

  /** FusionD switched the failed member's virtqueues: settle its orphans. */
  resolveOrphans(m: number): number[] {
    const list = this.orphans[m]
    this.orphans[m] = []
    for (const r of list) this.resolve(r)
    return list
  }

  /** One taken-back request: from the completion log, or to a member again. */
  private resolve(r: number): void {
    const req = this.req
    const vq = req.vq[r]
    if (this.map.active[vq] < 0 && !this.held[vq]) return this.withoutMember(r)
    const write = req.op[r] === Op.Write || req.op[r] === Op.NonIdempotent
    if (this.resolution === 'exactly-once' && write && req.execCount[r] > 0) {
      this.counters.fromLog++
      return this.finish(r, true)
    }
    this.counters.requeued++
    this.route(r)
  }

  /** Hold new requests of virtqueues FusionD is moving; release them when the move is done. */
  hold(vqs: number[]): void {
    for (const vq of vqs) this.held[vq] = true
  }

  unhold(vqs: number[]): void {
    for (const vq of vqs) {
      this.held[vq] = false
      const list = this.heldList[vq]
      this.heldList[vq] = []
      for (const r of list) this.route(r)
    }
  }

  /** A member is back: requests that had none go out again. */
  flushNoPath(): void {
    this.noPathExpired = false
    const list = this.noPath
    this.noPath = []
    for (const r of list) this.resolve(r)
  }

  /** The no-path bound passed: what waits fails, and so does what comes until a member is back. */
  expireNoPath(): number {
    this.noPathExpired = true
    const list = this.noPath
    this.noPath = []
    for (const r of list) this.finish(r, false)
    return list.length
  }
}
