// The discrete-event engine of the data plane: a clock in simulated µs and a binary heap of pending events
// (flatqueue). Events at the same instant run in the order the heap yields them, which depends only on
// the order they were scheduled, so one seed always gives one run.
import FlatQueue from 'flatqueue'
import {uniformFloat64} from 'pure-rand/distribution/uniformFloat64'
import {mersenne} from 'pure-rand/generator/mersenne'

export type Handler = () => void

export class Engine {
  now = 0
  private readonly heap = new FlatQueue<number>()
  private readonly handlers: Array<Handler | undefined> = []
  private readonly free: number[] = []

  /** Run `fn` at absolute time `t` (never before now). */
  at(t: number, fn: Handler): void {
    const slot = this.free.pop() ?? this.handlers.length
    this.handlers[slot] = fn
    this.heap.push(slot, t < this.now ? this.now : t)
  }

  after(dt: number, fn: Handler): void {
    this.at(this.now + dt, fn)
  }

  private stopped = false

  /** End the run after the current event. */
  stop(): void {
    this.stopped = true
  }

  /** Run events until none are left, stop() is called, or the clock passes `until`. */
  run(until = Infinity): void {
    this.stopped = false
    while (this.heap.length > 0 && !this.stopped) {
      const t = this.heap.peekValue()!
      if (t > until) break
      const slot = this.heap.pop()!
      const fn = this.handlers[slot]!
      this.handlers[slot] = undefined
      this.free.push(slot)
      this.now = t
      fn()
    }
  }

  get pending(): number {
    return this.heap.length
  }
}

/** A seeded source of uniform and exponential variates (pure-rand's Mersenne Twister: nearby seeds give unrelated streams). */
export class Random {
  private readonly g
  constructor(seed: number) {
    this.g = mersenne(seed | 0)
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.g)
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Exponential with the given mean (Poisson inter-arrival times). */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }
}
