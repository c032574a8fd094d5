// Demand traces for `pool simulate`: per-VM bandwidth demand over time, with the server each VM runs on (the fixed
// baseline gives every server one card). A trace is either read from real data (readers.ts) or generated here.
//
// The synthetic generator is seeded and calibrated to the published statistics (pooling-and-aggregation.md §0, §4;
// the calibration is ubmgr's, the shapes are its assumptions):
// - fixed per-server DPUs average under 20% bandwidth (the talk; Oasis: racks below 20% even at p99.99), and
//   20–30% compute: a card's own software takes a base share of its cores, the rest follows its traffic;
// - diurnal peaks with weekly dips; complementary patterns (Coach): web-like VMs peak by day, batch-like by night;
// - heavy hitters: a few database VMs whose peak is above one card's bandwidth;
// - noise that persists (AR(1)) and rare bursts.
import {rng} from '../../sim/rng.js'

export interface DemandTrace {
  name: string
  steps: number
  stepSeconds: number
  /** one card's bandwidth, Mbit/s */
  cardMbps: number
  vms: number
  /** fixed baseline: one card per server */
  servers: number
  /** the server each VM runs on */
  serverOf: Int32Array
  /** VM v's bandwidth demand at step t (Mbit/s) into out[v]; steps are visited in order 0, 1, 2, …, and a visit
   *  of step 0 starts the same sequence again (a generator restarts its seed) */
  demandAt(t: number, out: Float64Array): void
  /** the card-core share a card's own software takes whatever its traffic, and cores per unit of traffic */
  compute: {base: number; perLoad: number}
}

/** A trace held in memory: demand[t * vms + v]. */
export function matrixTrace(fields: Omit<DemandTrace, 'demandAt'> & {demand: Float32Array}): DemandTrace {
  const {demand, ...rest} = fields
  return {
    ...rest,
    demandAt(t, out) {
      const row = t * rest.vms
      for (let v = 0; v < rest.vms; v++) out[v] = demand[row + v]
    },
  }
}

export interface SyntheticOptions {
  seed: number
  servers: number
  vms: number
  days: number
  stepSeconds: number
  cardMbps: number
}

export const SYNTHETIC_DEFAULTS: SyntheticOptions = {seed: 1, servers: 1000, vms: 10000, days: 7, stepSeconds: 300, cardMbps: 100_000}

type Kind = 0 | 1 | 2 | 3 // web (day peak), batch (night peak), steady, database (heavy hitter)

/** Gaussian from a uniform source (Box–Muller, one value per call). */
function gauss(random: () => number): number {
  const u = Math.max(random(), 1e-12)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

export function syntheticTrace(options: Partial<SyntheticOptions> = {}): DemandTrace {
  const o = {...SYNTHETIC_DEFAULTS, ...options}
  let random = rng(o.seed)
  const n = o.vms
  const steps = Math.round((o.days * 86400) / o.stepSeconds)
  const kind = new Uint8Array(n)
  const base = new Float64Array(n)
  const amp = new Float64Array(n)
  const phase = new Float64Array(n)
  const ar = new Float64Array(n)
  const burst = new Int16Array(n)
  const serverOf = new Int32Array(n)
  const C = o.cardMbps
  for (let v = 0; v < n; v++) {
    serverOf[v] = v % o.servers
    const r = random()
    const k: Kind = r < 0.004 ? 3 : r < 0.55 ? 0 : r < 0.85 ? 1 : 2
    kind[v] = k
    // lognormal sizes around 1.5% of a card per VM (10 VMs per server → about 15% of a card per server)
    const size = Math.exp(gauss(random) * 0.6) * 0.012 * C
    base[v] = k === 3 ? (0.45 + 0.3 * random()) * C : size
    amp[v] = k === 2 ? 0.1 : k === 3 ? 0.5 + 0.2 * random() : 0.45 + 0.3 * random()
    // web peaks around 14:00, batch around 02:00, each VM ±2 h
    const peakHour = (k === 1 ? 2 : 14) + (random() - 0.5) * 4
    phase[v] = peakHour
  }
  const profileSeed = random()
  const rho = 0.9
  const sigma = 0.08
  const day = 86400
  return {
    name: `synthetic seed ${o.seed}: ${o.servers} servers, ${n} VMs, ${o.days} days at ${o.stepSeconds / 60}-minute steps`,
    steps,
    stepSeconds: o.stepSeconds,
    cardMbps: C,
    vms: n,
    servers: o.servers,
    serverOf,
    compute: {base: 0.12, perLoad: 0.7},
    demandAt(t, out) {
      if (t === 0) {
        random = rng(Math.floor(profileSeed * 0xffffffff))
        ar.fill(0)
        burst.fill(0)
      }
      const seconds = t * o.stepSeconds
      const hour = (seconds % day) / 3600
      const weekday = Math.floor(seconds / day) % 7
      for (let v = 0; v < n; v++) {
        const k = kind[v]
        const diurnal = 1 + amp[v] * Math.cos(((hour - phase[v]) / 24) * 2 * Math.PI)
        const weekly = k === 0 && weekday >= 5 ? 0.75 : 1
        ar[v] = rho * ar[v] + sigma * gauss(random)
        if (burst[v] > 0) burst[v]--
        else if (random() < 0.0005) burst[v] = 1 + Math.floor(random() * 4)
        const d = base[v] * diurnal * weekly * Math.exp(ar[v]) * (burst[v] > 0 ? 2.5 : 1)
        out[v] = d > 0 ? d : 0
      }
    },
  }
}
