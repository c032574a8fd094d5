// npm run bench:fusion — the aggregated (fusion) device's data plane, every figure from the simulation:
//   1. active-active throughput with 1, 2, 4, 8 equal cards, as a multiple of one card (target ≥ 0.95 × N);
//   2. active-passive failover: guest-visible interruption with event detection (target ≤ 38 ms, Oasis) and
//      with polling detection (miimon 100 ms) next to it, and dm-multipath in the guest on the same fault;
//   3. ≥ 100,000 block requests with random card faults: lost, verify failures, duplicates (target 0, the
//      blktests criterion);
//   4. every policy on heterogeneous cards, p99 latency against static round-robin;
//   5. wall time of 1,000,000 simulated requests (target ≤ 10 s).
// Simulated µs come from the model in src/fusion (a model, not a measurement of hardware); wall times are
// this machine's. The last line is JSON.
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const load = (p) => import(join(root, 'dist', 'fusion', p))
const {simulateIo} = await load('dataplane.js')
const {defaultWorkload} = await load('workload.js')
const {defaultDetection} = await load('detection.js')
const {compareGuestVisible} = await load('guest-visible.js')

const card = (i, bw = 3200, latencyUs = 80) => ({name: `card${i}`, card: `card${i}`, weight: 1, bandwidthMBps: bw, latencyUs, hopUs: 5, queues: 16})
const device = (members, mode = 'active-active', policy = 'round-robin', queues = 32) => ({
  name: 'fblk0',
  kind: 'virtio-blk',
  mode,
  policy,
  failback: 'immediate',
  queues,
  members: members.map((m, i) => ({...m, role: mode === 'active-passive' ? (i === 0 ? 'primary' : 'secondary') : undefined})),
})
const blk = {...defaultWorkload('virtio-blk'), iodepth: 32}
const pad = (s, n) => String(s).padStart(n)
const f1 = (x) => (x === null || x === undefined ? '—' : x.toFixed(1))

console.log('1. active-active scaling (virtio-blk, 32 virtqueues, iodepth 32, bs 4k, 200,000 requests per run)')
console.log('cards'.padStart(6) + 'MB/s'.padStart(10) + 'IOPS'.padStart(11) + '× one card'.padStart(12) + 'target'.padStart(9))
const scaling = {}
let one
for (const n of [1, 2, 4, 8]) {
  const r = simulateIo(device(Array.from({length: n}, (_, i) => card(i))), blk, {ios: 200_000, seed: 1, faults: []})
  one ??= r.throughputMBps
  scaling[n] = Math.round((r.throughputMBps / one) * 1000) / 1000
  console.log(pad(n, 6) + pad(r.throughputMBps.toFixed(0), 10) + pad(r.iops.toFixed(0), 11) + pad(scaling[n].toFixed(3), 12) + pad(`≥ ${(0.95 * n).toFixed(2)}`, 9) + (scaling[n] >= 0.95 * n ? '' : '  MISSED'))
}

console.log('\n2. active-passive failover (2 cards, primary link down at 20 ms; 5 seeds; times in ms)')
console.log('detection'.padEnd(32) + 'detect'.padStart(8) + 'switch'.padStart(8) + 'interruption'.padStart(14) + 'max'.padStart(8) + 'lost'.padStart(6))
const ap = device([card(0), card(1)], 'active-passive', 'round-robin', 8)
const apFault = [{kind: 'link-down', member: 0, atUs: 20_000, durationUs: 400_000}]
const seeds = [1, 2, 3, 4, 5]
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
let apInterruption = 0
for (const [label, detection] of [
  ['event (link message, 1 ms)', defaultDetection('event')],
  ['polling (miimon 100 ms)', defaultDetection('polling')],
]) {
  const results = seeds.map((seed) => simulateIo(ap, {...blk, iodepth: 16}, {ios: 100_000, seed, faults: apFault, detection}))
  const runs = results.map((r) => r.losses[0])
  const worst = Math.max(...runs.map((l) => l.interruption_ms))
  if (detection.method === 'event') apInterruption = worst
  const lost = results.reduce((s, r) => s + r.lost, 0)
  console.log(label.padEnd(32) + pad(f1(median(runs.map((l) => l.detect_ms))), 8) + pad(f1(median(runs.map((l) => l.switch_ms))), 8) + pad(f1(median(runs.map((l) => l.interruption_ms))), 14) + pad(f1(worst), 8) + pad(lost, 6))
}
console.log(`event detection: worst interruption ${apInterruption.toFixed(1)} ms, target ≤ 38 ms (Oasis): ${(apInterruption / 38).toFixed(2)} of the target${apInterruption <= 38 ? '' : '  MISSED'}`)
console.log('the same fault, what a guest would configure itself (same simulation, documented defaults):')
for (const row of compareGuestVisible(ap, {...blk, iodepth: 16}, apFault[0], {ios: 100_000, seed: 1, detection: defaultDetection('event')}))
  console.log('  ' + row.mechanism.padEnd(24) + (row.applicable ? `interruption ${f1(row.interruption_ms)} ms, lost ${row.ios_lost}, duplicates ${row.duplicates}` : `n/a: ${row.reason}`))

console.log('\n3. random card faults (link down, ELR, slow, all down; every one restored), fio-verify workload')
console.log('run'.padEnd(34) + 'requests'.padStart(10) + 'faults'.padStart(8) + 'requeued'.padStart(10) + 'from log'.padStart(10) + 'lost'.padStart(6) + 'verify'.padStart(8) + 'dup'.padStart(5))
const totals = {ios: 0, ios_lost: 0, verify_failures: 0, duplicates: 0}
for (const [label, spec, seed] of [
  ['active-active, 4 cards, queue-depth', device([0, 1, 2, 3].map((i) => card(i)), 'active-active', 'queue-depth'), 21],
  ['active-passive, 2 cards', device([card(0), card(1)], 'active-passive', 'round-robin', 8), 22],
]) {
  const r = simulateIo(spec, {...blk, nonIdempotent: 10}, {ios: 100_000, seed, faults: 'random'})
  totals.ios += r.ios
  totals.ios_lost += r.lost
  totals.verify_failures += r.verifyFailures
  totals.duplicates += r.duplicates
  console.log(label.padEnd(34) + pad(r.ios, 10) + pad(r.faults.length, 8) + pad(r.requeued, 10) + pad(r.fromLog, 10) + pad(r.lost, 6) + pad(r.verifyFailures, 8) + pad(r.duplicates, 5))
}
console.log(`total ${totals.ios} requests: ${totals.ios_lost} lost, ${totals.verify_failures} verify failures, ${totals.duplicates} duplicates (target 0 each)`)

console.log('\n4. policies on heterogeneous cards (3 × 3.2 GB/s 80 µs, 1 × 0.8 GB/s 320 µs; 16 virtqueues; Poisson arrivals at 70% of the aggregate)')
const hetero = [card(0), card(1), card(2), card(3, 800, 320)]
const rate = Math.round((0.7 * hetero.reduce((s, m) => s + m.bandwidthMBps, 0) * 1e6) / 4096)
console.log('policy'.padEnd(14) + 'IOPS'.padStart(10) + 'p50 µs'.padStart(9) + 'p99 µs'.padStart(10) + 'max µs'.padStart(10) + 'queues'.padStart(12) + 'remaps'.padStart(8))
const p99 = {}
for (const policy of ['round-robin', 'weighted', 'queue-depth', 'service-time']) {
  const spec = device(hetero.map((m) => ({...m, weight: m.bandwidthMBps / 800})), 'active-active', policy, 16)
  const r = simulateIo(spec, {...blk, iodepth: 64, rateIops: rate}, {ios: 300_000, seed: 5, faults: []})
  p99[policy] = r.latencyUs.p99
  console.log(policy.padEnd(14) + pad(r.iops.toFixed(0), 10) + pad(r.latencyUs.p50.toFixed(0), 9) + pad(r.latencyUs.p99.toFixed(0), 10) + pad(r.latencyUs.max.toFixed(0), 10) + pad(r.members.map((m) => m.queues).join('/'), 12) + pad(r.remaps, 8))
}
const best = Object.entries(p99).filter(([p]) => p !== 'round-robin').sort((a, b) => a[1] - b[1])[0]
console.log(`best: ${best[0]}, p99 ${best[1].toFixed(0)} µs vs round-robin ${p99['round-robin'].toFixed(0)} µs (${(p99['round-robin'] / best[1]).toFixed(1)}× lower)${best[1] < p99['round-robin'] ? '' : '  MISSED'}`)

console.log('\n5. wall time of 1,000,000 simulated requests (active-active, 4 cards, queue-depth, random faults)')
const t = performance.now()
const big = simulateIo(device([0, 1, 2, 3].map((i) => card(i)), 'active-active', 'queue-depth'), blk, {ios: 1_000_000, seed: 9, faults: 'random'})
const wall = (performance.now() - t) / 1000
console.log(`${big.ios} requests, ${big.faults.length} faults, ${big.lost} lost, ${big.verifyFailures} verify failures: ${wall.toFixed(2)} s wall (target ≤ 10 s: ${(wall / 10).toFixed(2)} of it), ${(big.ios / wall / 1e6).toFixed(2)} M requests/s`)

console.log(JSON.stringify({aa_scaling: scaling, ap_interruption_ms: apInterruption, ios: totals.ios, ios_lost: totals.ios_lost, verify_failures: totals.verify_failures, duplicates: totals.duplicates}))
