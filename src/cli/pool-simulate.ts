// `pool simulate` and bench:pool output: the strategies side by side, the targets next to their anchors, the chart.
import type {SimulationReport} from '../pool/simulate/index.js'
import {lineChartSvg} from './chart.js'
import {table} from './pool-report.js'

const pct = (x: number, d = 1) => `${(x * 100).toFixed(d)}%`

export function strategiesTable(r: SimulationReport): string {
  const row = (name: string, s: SimulationReport['fixed'], moves: string) => [name, String(s.cards), pct(s.meanUtil), pct(s.p99Util), `${s.unmetPct.toFixed(3)}%`, moves, `${pct(s.meanCompute, 0)} / ${pct(s.maxCompute, 0)}`]
  return table(
    ['STRATEGY', 'CARDS', 'MEAN UTIL', 'P99 UTIL', 'UNMET', 'MOVES', 'COMPUTE MEAN/MAX'],
    [
      row('(a) fixed per-server DPUs', r.fixed, '-'),
      row('(b) pooled, allocated at peak', r.peak, '-'),
      row('(c) ubmgr load-driven pooling', r.dynamic, String(r.dynamic.moves)),
      row('(d) offline optimum (FFD)', r.oracle, '-'),
    ],
  )
}

export interface Target {
  name: string
  value: string
  target: string
  met: boolean
  anchor: string
}

export function targets(r: SimulationReport, seconds?: number): Target[] {
  const ratio = r.dynamic.meanUtil / r.fixed.meanUtil
  const cards = r.dynamic.cards / r.oracle.cards
  const out: Target[] = [
    {name: 'dynamic / fixed mean bandwidth utilization', value: `${ratio.toFixed(2)}×`, target: '≥ 3×', met: ratio >= 3, anchor: 'Meili 3.07× resource efficiency; Oasis 2× NIC utilization'},
    {name: 'unmet demand (dynamic)', value: `${r.dynamic.unmetPct.toFixed(3)}%`, target: '≤ 1%', met: r.dynamic.unmetPct <= 1, anchor: 'issue 9; Oasis/Meili compare at equal service'},
    {name: 'dynamic cards / oracle cards', value: `${r.dynamic.cards} / ${r.oracle.cards} = ${cards.toFixed(3)}`, target: '≤ 1.10', met: cards <= 1.1, anchor: `oracle = max per-step FFD (lower bound ${r.oracle.lowerBound})`},
    {name: 'moves per slice per simulated hour', value: r.dynamic.movesPerSliceHour.toFixed(4), target: '≤ 1', met: r.dynamic.movesPerSliceHour <= 1, anchor: 'hysteresis: no flapping'},
    {name: 'fixed per-server mean bandwidth utilization', value: pct(r.fixed.meanUtil), target: '< 20%', met: r.fixed.meanUtil < 0.2, anchor: 'the talk; Oasis: racks < 20% even at p99.99 (calibration)'},
    {name: 'fixed per-server mean compute (model)', value: pct(r.fixed.meanCompute), target: '20–30%', met: r.fixed.meanCompute >= 0.2 && r.fixed.meanCompute <= 0.3, anchor: 'the talk (calibration)'},
  ]
  if (seconds !== undefined) out.push({name: `simulation time (${r.trace.servers} servers, ${r.trace.vms} VMs, ${r.trace.steps} steps)`, value: `${seconds.toFixed(1)} s`, target: '≤ 30 s', met: seconds <= 30, anchor: 'issue 9'})
  return out
}

export function targetsText(list: Target[]): string {
  return table(['TARGET', 'MEASURED', 'GOAL', 'MET', 'ANCHOR'], list.map((t) => [t.name, t.value, t.target, t.met ? 'yes' : 'NO', t.anchor]))
}

export function utilizationChart(r: SimulationReport): Promise<string> {
  const s = r.series
  const points = (ys: number[]) => s.hours.map((h, i) => [h, Math.round(ys[i] * 10000) / 10000] as [number, number])
  return lineChartSvg({
    title: `Card bandwidth utilization: ${r.trace.vms} VMs, ${r.trace.hours} h`,
    xLabel: 'simulated hours',
    yLabel: 'utilization of the cards each strategy needs',
    series: [
      {name: `fixed per-server (${r.fixed.cards} cards)`, points: points(s.fixed)},
      {name: `pooled at peak (${r.peak.cards} cards)`, points: points(s.peak)},
      {name: `ubmgr load-driven (${r.dynamic.cards} cards)`, points: points(s.dynamic)},
      {name: `offline optimum (${r.oracle.cards} cards)`, points: points(s.oracle)},
    ],
  })
}
