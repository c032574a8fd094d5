// bench:pool — what pooling buys, on the bundled synthetic trace (1,000 servers, 10,000 VMs, one week at 5-minute
// steps): the four strategies side by side, every target next to its anchor, and the simulation's time next to a
// baseline measured in the same run (only generating the trace, twice, as the simulation's two passes do).
import {performance} from 'node:perf_hooks'

const {syntheticTrace} = await import('../dist/pool/simulate/trace.js')
const {simulate} = await import('../dist/pool/simulate/index.js')
const {strategiesTable, targets, targetsText} = await import('../dist/cli/pool-simulate.js')

const options = {seed: Number(process.env.BENCH_SEED ?? 1)}
const trace = syntheticTrace(options)

// baseline: the demand alone, both passes
let t = performance.now()
const row = new Float64Array(trace.vms)
for (let pass = 0; pass < 2; pass++) for (let s = 0; s < trace.steps; s++) trace.demandAt(s, row)
const baseline = (performance.now() - t) / 1000

t = performance.now()
const report = simulate(trace)
const seconds = (performance.now() - t) / 1000

console.log(`${report.trace.name}; ${report.trace.slices} slices; cards of ${report.trace.cardMbps / 1000} Gbit/s`)
console.log(`mean demand ${report.trace.meanDemandCards.toFixed(1)} cards, peak ${report.trace.peakDemandCards.toFixed(1)} cards\n`)
console.log(strategiesTable(report) + '\n')
console.log(targetsText(targets(report, seconds)) + '\n')
const ms = report.timeMs
console.log(`time: simulation ${seconds.toFixed(2)} s vs trace generation alone ${baseline.toFixed(2)} s (${(seconds / baseline).toFixed(2)}×); target ≤ 30 s`)
console.log(
  `where it goes: pass 1 (peaks) ${(ms.peaks / 1000).toFixed(2)} s, pass 2 demand ${(ms.demand / 1000).toFixed(2)} s, fixed ${(ms.fixed / 1000).toFixed(2)} s, ` +
    `peak ${(ms.peak / 1000).toFixed(2)} s, load-driven ${(ms.dynamic / 1000).toFixed(2)} s, oracle (per-step FFD) ${(ms.oracle / 1000).toFixed(2)} s`,
)
console.log(JSON.stringify(report.summary))
