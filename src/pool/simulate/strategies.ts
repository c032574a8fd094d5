// The ways of giving VMs DPU bandwidth that `pool simulate` compares (the oracle is in oracle.ts):
// (a) fixed: one card per server, its VMs share it, what exceeds it is unmet;
// (b) pooled at peak: every slice reserved at its peak for the whole trace, packed once (first-fit decreasing);
// (c) load-driven pooling, ubmgr's rebalancer at fleet scale: slices on shared cards, each step acting on the
//     load measured at the previous one, with hysteresis (ubmgr's design: the rules of `pool rebalance` — high
//     watermark, target, cooldown — plus cards taken and given back; its watermarks are higher because a fleet
//     of many small slices per card is smoother than one host's few devices):
//     a card above the high watermark sheds the smallest slice that cures it (else its largest) to the fullest card that stay at or below the
//     target (a new card only when none can), a slice moved less than the cooldown ago stays unless its card is
//     over capacity, and a card is drained and given back only after the fleet has been below the low watermark
//     for `holdSteps` steps and its slices fit elsewhere without moving any that cooled down too little.

export interface DynamicPolicy {
  high: number
  target: number
  low: number
  holdSteps: number
  cooldownSteps: number
}

export const DYNAMIC_DEFAULTS: Omit<DynamicPolicy, 'cooldownSteps'> & {cooldownSeconds: number} = {high: 0.97, target: 0.95, low: 0.92, holdSteps: 6, cooldownSeconds: 3600}

export class DynamicPool {
  readonly assign: Int32Array
  private readonly lastMoved: Int32Array
  private cards: number[][] = []
  private load: number[] = []
  private active: boolean[] = []
  private free: number[] = []
  private below = 0
  activeCount = 0
  moves = 0
  forcedMoves = 0
  maxActive = 0

  constructor(
    items: number,
    private readonly capacity: number,
    private readonly policy: DynamicPolicy,
  ) {
    this.assign = new Int32Array(items).fill(-1)
    this.lastMoved = new Int32Array(items).fill(-1 << 30)
  }

  /** First placement: largest first, each on the fullest card that stays at or below the target. */
  place(sizes: Float64Array): void {
    const order = Array.from(sizes.keys()).sort((a, b) => sizes[b] - sizes[a])
    for (const i of order) this.put(i, this.destination(sizes[i], -1), sizes[i])
  }

  /** One control step on the loads measured at the previous step. */
  control(t: number, measured: Float64Array): void {
    for (let c = 0; c < this.cards.length; c++) this.load[c] = 0
    for (let i = 0; i < measured.length; i++) this.load[this.assign[i]] += measured[i]
    const {high, low, holdSteps, cooldownSteps} = this.policy
    const C = this.capacity
    const hot = this.activeCards().filter((c) => this.load[c] > high * C).sort((a, b) => this.load[b] - this.load[a])
    for (const c of hot) {
      while (this.load[c] > high * C) {
        const forced = this.load[c] > C
        const i = this.shedCandidate(c, measured, this.load[c] - high * C, (x) => forced || t - this.lastMoved[x] >= cooldownSteps)
        if (i < 0) break
        this.move(i, c, this.destination(measured[i], c), measured[i], t)
        if (forced) this.forcedMoves++
      }
    }
    // give cards back only after the fleet stayed below the low watermark for a while (hysteresis), then as long as
    // it stays below with one card fewer
    const total = this.load.reduce((a, b, c) => (this.active[c] ? a + b : a), 0)
    const fewerFit = () => this.activeCount > 1 && total <= low * C * (this.activeCount - 1)
    this.below = fewerFit() ? this.below + 1 : 0
    if (this.below >= holdSteps) while (fewerFit() && this.drainOne(t, measured));
  }

  /** Serve the step's actual demand: what a card cannot carry is unmet. Calls back each active card's load. */
  serve(actual: Float64Array, perCard: (load: number) => void): {served: number; unmet: number} {
    const load = new Float64Array(this.cards.length)
    for (let i = 0; i < actual.length; i++) load[this.assign[i]] += actual[i]
    let served = 0
    let unmet = 0
    for (let c = 0; c < load.length; c++) {
      if (!this.active[c]) continue
      const s = Math.min(load[c], this.capacity)
      served += s
      unmet += load[c] - s
      perCard(load[c])
    }
    return {served, unmet}
  }

  /** The smallest movable slice that cures the excess alone, else the largest movable one (-1: none may move). */
  private shedCandidate(c: number, measured: Float64Array, excess: number, movable: (i: number) => boolean): number {
    let cure = -1
    let largest = -1
    for (const i of this.cards[c]) {
      if (!movable(i)) continue
      if (measured[i] >= excess && (cure < 0 || measured[i] < measured[cure])) cure = i
      if (largest < 0 || measured[i] > measured[largest]) largest = i
    }
    return cure >= 0 ? cure : largest
  }

  private activeCards(): number[] {
    const out: number[] = []
    for (let c = 0; c < this.cards.length; c++) if (this.active[c]) out.push(c)
    return out
  }

  /** The fullest active card (other than `from`) that stays at or below the target with `size` more, else a new one. */
  private destination(size: number, from: number): number {
    const limit = this.policy.target * this.capacity
    let best = -1
    for (let c = 0; c < this.cards.length; c++)
      if (this.active[c] && c !== from && this.load[c] + size <= limit && (best < 0 || this.load[c] > this.load[best])) best = c
    return best >= 0 ? best : this.open()
  }

  private open(): number {
    const c = this.free.pop() ?? this.cards.length
    if (c === this.cards.length) {
      this.cards.push([])
      this.load.push(0)
      this.active.push(false)
    }
    this.active[c] = true
    this.activeCount++
    this.maxActive = Math.max(this.maxActive, this.activeCount)
    return c
  }

  private put(i: number, c: number, size: number): void {
    this.assign[i] = c
    this.cards[c].push(i)
    this.load[c] += size
  }

  private move(i: number, from: number, to: number, size: number, t: number): void {
    const list = this.cards[from]
    list.splice(list.indexOf(i), 1)
    this.load[from] -= size
    this.put(i, to, size)
    this.lastMoved[i] = t
    this.moves++
  }

  /** Empty the least loaded card into the others (each staying at or below the target), if all of it fits. */
  private drainOne(t: number, measured: Float64Array): boolean {
    const cards = this.activeCards()
    const victim = cards.reduce((a, b) => (this.load[b] < this.load[a] ? b : a))
    const items = [...this.cards[victim]].sort((a, b) => measured[b] - measured[a])
    if (items.some((i) => t - this.lastMoved[i] < this.policy.cooldownSteps)) return false
    const limit = this.policy.target * this.capacity
    const trial = new Map<number, number>()
    const plan: Array<[number, number]> = []
    for (const i of items) {
      let best = -1
      for (const c of cards) {
        const l = trial.get(c) ?? this.load[c]
        if (c !== victim && l + measured[i] <= limit && (best < 0 || l > (trial.get(best) ?? this.load[best]))) best = c
      }
      if (best < 0) return false
      trial.set(best, (trial.get(best) ?? this.load[best]) + measured[i])
      plan.push([i, best])
    }
    for (const [i, c] of plan) this.move(i, victim, c, measured[i], t)
    this.active[victim] = false
    this.activeCount--
    this.free.push(victim)
    return true
  }
}
