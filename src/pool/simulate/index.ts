// What pooling buys: one demand trace replayed over (a) fixed per-server cards, (b) pooled cards reserved at peak,
// (c) ubmgr's load-driven pooling and (d) the offline optimum, side by side. Two passes over the trace: the first
// finds each VM's peak (a VM whose peak is above `sliceMax` of a card is split into that many slices, as a fusion
// device over several cards would carry it), the second runs the four strategies step by step.
// Utilization is served bandwidth over the bandwidth of the cards a strategy needs at its busiest (what must be
// bought); p99 is over every card at every step. Compute is a model: a card's own software takes `compute.base` of
// its cores, traffic `compute.perLoad` × its bandwidth utilization.
import {packStep, FirstFit} from './oracle.js'
import {DYNAMIC_DEFAULTS, DynamicPool, type DynamicPolicy} from './strategies.js'
import type {DemandTrace} from './trace.js'

export interface SimulateOptions {
  /** a slice carries at most this fraction of a card at the VM's peak */
  sliceMax: number
  dynamic: Partial<typeof DYNAMIC_DEFAULTS>
  /** how many points the utilization series keeps */
  points: number
  onProgress?: (done: number, total: number) => void
}

export interface StrategyResult {
  cards: number
  meanUtil: number
  p99Util: number
  unmetPct: number
  moves: number
  meanCompute: number
  maxCompute: number
}

export interface SimulationReport {
  trace: {name: string; steps: number; stepSeconds: number; hours: number; vms: number; servers: number; slices: number; cardMbps: number; meanDemandCards: number; peakDemandCards: number}
  fixed: StrategyResult
  peak: StrategyResult
  dynamic: StrategyResult & {forcedMoves: number; movesPerSliceHour: number; meanActiveCards: number; activeUtil: number}
  oracle: StrategyResult & {lowerBound: number}
  policy: DynamicPolicy & {sliceMax: number}
  /** utilization of each strategy over time (hours), averaged into `points` buckets */
  series: {hours: number[]; fixed: number[]; peak: number[]; dynamic: number[]; oracle: number[]; dynamicCards: number[]; oracleCards: number[]}
  timeMs: {peaks: number; fixed: number; peak: number; dynamic: number; oracle: number; demand: number; total: number}
  summary: {fixed_util: number; pooled_peak_util: number; dynamic_util: number; dynamic_cards: number; oracle_cards: number; unmet_demand_pct: number; moves: number}
}

/** Per-card-step utilizations, for the p99. */
class Histogram {
  private readonly bins = new Float64Array(1501)
  private n = 0
  add(util: number, count = 1): void {
    this.bins[Math.min(1500, Math.max(0, Math.round(util * 1000)))] += count
    this.n += count
  }
  quantile(q: number): number {
    let seen = 0
    for (let i = 0; i < this.bins.length; i++) if ((seen += this.bins[i]) >= q * this.n) return i / 1000
    return 1.5
  }
}

const now = () => performance.now()

export function simulate(trace: DemandTrace, options: Partial<SimulateOptions> = {}): SimulationReport {
  const o: SimulateOptions = {sliceMax: 0.5, dynamic: {}, points: 600, ...options}
  const t0 = now()
  const {steps, vms, cardMbps: C} = trace
  const demand = new Float64Array(vms)
  const time = {peaks: 0, fixed: 0, peak: 0, dynamic: 0, oracle: 0, demand: 0, total: 0}
  const progress = (done: number) => o.onProgress && (done % Math.max(1, Math.floor(steps / 100)) === 0 || done === 2 * steps) && o.onProgress(done, 2 * steps)

  // pass 1: every VM's peak, hence its slices
  const vmPeak = new Float64Array(vms)
  let demandSum = 0
  let peakDemand = 0
  for (let t = 0; t < steps; t++) {
    trace.demandAt(t, demand)
    let step = 0
    for (let v = 0; v < vms; v++) {
      if (demand[v] > vmPeak[v]) vmPeak[v] = demand[v]
      step += demand[v]
    }
    demandSum += step
    peakDemand = Math.max(peakDemand, step)
    progress(t + 1)
  }
  const perVm = Array.from(vmPeak, (p) => Math.max(1, Math.ceil(p / (o.sliceMax * C) - 1e-9)))
  const slices = perVm.reduce((a, b) => a + b, 0)
  const itemVm = new Int32Array(slices)
  const itemShare = new Float64Array(slices)
  for (let v = 0, i = 0; v < vms; v++) for (let k = 0; k < perVm[v]; k++, i++) ((itemVm[i] = v), (itemShare[i] = 1 / perVm[v]))
  time.peaks = now() - t0

  // (b) peak reservations packed once
  const peakItems = Float64Array.from(itemVm, (v, i) => vmPeak[v] * itemShare[i])
  const peakOrder = Array.from(peakItems.keys()).sort((a, b) => peakItems[b] - peakItems[a])
  const ff = new FirstFit(C)
  ff.reset(Math.ceil((2 * peakItems.reduce((a, b) => a + b, 0)) / C) + 2)
  const peakBin = new Int32Array(slices)
  for (const i of peakOrder) peakBin[i] = ff.add(Math.min(peakItems[i], C))
  const peakCards = ff.used

  const cooldownSteps = Math.max(1, Math.ceil(((o.dynamic.cooldownSeconds ?? DYNAMIC_DEFAULTS.cooldownSeconds) - 1e-9) / trace.stepSeconds))
  const policy: DynamicPolicy = {...DYNAMIC_DEFAULTS, ...o.dynamic, cooldownSteps}
  const pool = new DynamicPool(slices, C, policy)
  const hist = {fixed: new Histogram(), peak: new Histogram(), dynamic: new Histogram(), oracle: new Histogram()}
  const max = {fixed: 0, peak: 0, dynamic: 0, oracle: 0}
  const served = {fixed: 0, dynamic: 0}
  const unmet = {fixed: 0, dynamic: 0}
  const perStep = {demand: new Float64Array(steps), fixed: new Float64Array(steps), dynamic: new Float64Array(steps), active: new Int32Array(steps), ffd: new Int32Array(steps)}
  let oracleCards = 0
  let lowerBound = 0
  const sizes = new Float64Array(slices)
  const measured = new Float64Array(slices)
  const serverLoad = new Float64Array(trace.servers)
  const peakLoad = new Float64Array(peakCards)
  const sorted = new Float64Array(slices)
  const oracleFit = new FirstFit(C)

  // pass 2: the four strategies, step by step
  for (let t = 0; t < steps; t++) {
    let m = now()
    trace.demandAt(t, demand)
    let total = 0
    for (let i = 0; i < slices; i++) total += sizes[i] = demand[itemVm[i]] * itemShare[i]
    perStep.demand[t] = total
    time.demand += now() - m

    m = now()
    serverLoad.fill(0)
    for (let v = 0; v < vms; v++) serverLoad[trace.serverOf[v]] += demand[v]
    let fs = 0
    for (let s = 0; s < trace.servers; s++) {
      const l = serverLoad[s]
      const sv = Math.min(l, C)
      fs += sv
      unmet.fixed += l - sv
      hist.fixed.add(sv / C)
      if (sv / C > max.fixed) max.fixed = sv / C
    }
    served.fixed += fs
    perStep.fixed[t] = fs
    time.fixed += now() - m

    m = now()
    peakLoad.fill(0)
    for (let i = 0; i < slices; i++) peakLoad[peakBin[i]] += sizes[i]
    for (let c = 0; c < peakCards; c++) {
      hist.peak.add(peakLoad[c] / C)
      if (peakLoad[c] / C > max.peak) max.peak = peakLoad[c] / C
    }
    time.peak += now() - m

    m = now()
    if (t === 0) pool.place(sizes)
    else pool.control(t, measured)
    const r = pool.serve(sizes, (load) => {
      const u = Math.min(load, C) / C
      hist.dynamic.add(u)
      if (u > max.dynamic) max.dynamic = u
    })
    served.dynamic += r.served
    unmet.dynamic += r.unmet
    perStep.dynamic[t] = r.served
    perStep.active[t] = pool.activeCount
    measured.set(sizes)
    time.dynamic += now() - m

    m = now()
    const packed = packStep(sizes, C, oracleFit, sorted)
    perStep.ffd[t] = packed.ffd
    oracleCards = Math.max(oracleCards, packed.ffd)
    lowerBound = Math.max(lowerBound, packed.lower)
    for (let b = 0; b < oracleFit.used; b++) {
      const u = (C - oracleFit.room(b)) / C
      hist.oracle.add(u)
      if (u > max.oracle) max.oracle = u
    }
    time.oracle += now() - m
    progress(steps + t + 1)
  }

  // cards a strategy must have but leaves idle at a step count as idle at that step
  const dynCards = pool.maxActive
  let activeSum = 0
  for (let t = 0; t < steps; t++) {
    hist.dynamic.add(0, dynCards - perStep.active[t])
    hist.oracle.add(0, oracleCards - perStep.ffd[t])
    activeSum += perStep.active[t]
  }
  const hours = (steps * trace.stepSeconds) / 3600
  const capacity = (cards: number) => cards * C * steps
  const {base, perLoad} = trace.compute
  const result = (cards: number, util: number, p99: number, unmetPct: number, moves: number, maxUtil: number): StrategyResult => ({
    cards,
    meanUtil: util,
    p99Util: p99,
    unmetPct,
    moves,
    meanCompute: base + perLoad * util,
    maxCompute: base + perLoad * maxUtil,
  })
  const fixed = result(trace.servers, served.fixed / capacity(trace.servers), hist.fixed.quantile(0.99), (100 * unmet.fixed) / demandSum, 0, max.fixed)
  const peak = result(peakCards, demandSum / capacity(peakCards), hist.peak.quantile(0.99), 0, 0, max.peak)
  const dynamic = {
    ...result(dynCards, served.dynamic / capacity(dynCards), hist.dynamic.quantile(0.99), (100 * unmet.dynamic) / demandSum, pool.moves, max.dynamic),
    forcedMoves: pool.forcedMoves,
    movesPerSliceHour: pool.moves / (slices * hours),
    meanActiveCards: activeSum / steps,
    activeUtil: served.dynamic / (activeSum * C),
  }
  const oracle = {...result(oracleCards, demandSum / capacity(oracleCards), hist.oracle.quantile(0.99), 0, 0, max.oracle), lowerBound}
  time.total = now() - t0
  const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d
  return {
    trace: {name: trace.name, steps, stepSeconds: trace.stepSeconds, hours, vms, servers: trace.servers, slices, cardMbps: C, meanDemandCards: demandSum / steps / C, peakDemandCards: peakDemand / C},
    fixed,
    peak,
    dynamic,
    oracle,
    policy: {...policy, sliceMax: o.sliceMax},
    series: series(perStep, {fixed: trace.servers, peak: peakCards, dynamic: dynCards, oracle: oracleCards}, C, trace.stepSeconds, o.points),
    timeMs: time,
    summary: {
      fixed_util: round(fixed.meanUtil),
      pooled_peak_util: round(peak.meanUtil),
      dynamic_util: round(dynamic.meanUtil),
      dynamic_cards: dynCards,
      oracle_cards: oracleCards,
      unmet_demand_pct: round(dynamic.unmetPct, 3),
      moves: pool.moves,
    },
  }
}

function series(
  s: {demand: Float64Array; fixed: Float64Array; dynamic: Float64Array; active: Int32Array; ffd: Int32Array},
  cards: {fixed: number; peak: number; dynamic: number; oracle: number},
  C: number,
  stepSeconds: number,
  points: number,
): SimulationReport['series'] {
  const steps = s.demand.length
  const per = Math.max(1, Math.ceil(steps / points))
  const out: SimulationReport['series'] = {hours: [], fixed: [], peak: [], dynamic: [], oracle: [], dynamicCards: [], oracleCards: []}
  for (let a = 0; a < steps; a += per) {
    const b = Math.min(steps, a + per)
    let d = 0
    let f = 0
    let y = 0
    let active = 0
    let ffd = 0
    for (let t = a; t < b; t++) ((d += s.demand[t]), (f += s.fixed[t]), (y += s.dynamic[t]), (active += s.active[t]), (ffd += s.ffd[t]))
    const n = b - a
    out.hours.push(Math.round(((a * stepSeconds) / 3600) * 100) / 100)
    out.fixed.push(f / n / (cards.fixed * C))
    out.peak.push(d / n / (cards.peak * C))
    out.dynamic.push(y / n / (cards.dynamic * C))
    out.oracle.push(d / n / (cards.oracle * C))
    out.dynamicCards.push(active / n)
    out.oracleCards.push(ffd / n)
  }
  return out
}
