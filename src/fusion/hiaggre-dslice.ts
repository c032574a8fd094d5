// hiaggre_dslice: the driver of one physical slice. In the talk it "operates the physical device directly
// and offers the framework-defined ops upward" (物理子设备驱动，直接操作物理设备，向上提供框架定义的ops接口).
// Here a slice is a bandwidth pipe with a service latency behind a UB hop:
//   request crosses the hop → waits for the pipe → is served (bytes / bandwidth) → the device executes it
//   after its latency → the completion crosses the hop back.
// A link loss or reset at time t stops the slice: requests it executed before t are done on the store but
// their completions never come back; the others never execute. Slowness divides bandwidth and multiplies
// latency for requests submitted while it lasts.
// [INF] The pipe model and the fencing (a failed slice executes nothing after the failure) are ubmgr's
// model; the ops names below (probe, queues, link state) follow the talk's "ops registered by drivers".
import type {MemberHardware} from './model.js'

export type SliceState = 'up' | 'down' | 'resetting'

export class Dslice {
  state: SliceState = 'up'
  slowFactor = 1
  /** When the pipe is next free, µs. */
  private pipeFreeAt = 0
  /** Request ids submitted and not yet completed or taken back. */
  readonly inflight = new Set<number>()

  constructor(
    readonly index: number,
    readonly hw: MemberHardware,
  ) {}

  get up(): boolean {
    return this.state === 'up'
  }

  /** Accept a request of `bytes` at `now`: when it executes and when its completion reaches the host. */
  submit(now: number, bytes: number): {executedAt: number; completeAt: number} {
    const arrive = now + this.hw.hopUs
    const start = arrive > this.pipeFreeAt ? arrive : this.pipeFreeAt
    this.pipeFreeAt = start + (bytes * this.slowFactor) / this.hw.bandwidthMBps
    const executedAt = this.pipeFreeAt + this.hw.latencyUs * this.slowFactor
    return {executedAt, completeAt: executedAt + this.hw.hopUs}
  }

  /** Link loss or reset: everything in flight is taken back by the caller. */
  stop(state: 'down' | 'resetting'): number[] {
    this.state = state
    const taken = [...this.inflight]
    this.inflight.clear()
    return taken
  }

  /** Link back, or reset done: the slice starts with an empty pipe. */
  start(now: number): void {
    this.state = 'up'
    this.pipeFreeAt = now
  }

  /** Outstanding bytes would take this long at the slice's nominal bandwidth, µs. */
  backlogUs(now: number): number {
    return Math.max(0, this.pipeFreeAt - now)
  }
}
