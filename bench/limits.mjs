// npm run bench:limits — validate of a definition with N unknown keys (one problem each) at 10k, 40k and 80k,
// side by side in one run with `ubmgr validate` of a typical example (the baseline: startup and a small
// file). Whole processes, median of N runs after warm-up; each size as its time, its ratio to the baseline,
// and microseconds per key above the baseline, so linear time shows as a flat last column.
// Target: 40,000 unknown keys reported in under 1 s. Not a test: numbers depend on the machine.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const RUNS = Number(process.env.BENCH_RUNS ?? 7)
const WARMUP = 1
const bin = join(root, 'bin', 'run.js')
const dir = mkdtempSync(join(tmpdir(), 'ubmgr-bench-limits-'))

const SIZES = [10_000, 40_000, 80_000]
const files = SIZES.map((n) => {
  const file = join(dir, `keys-${n}.yaml`)
  writeFileSync(file, 'name: k\nvcpus: 1\nmemory: 1GiB\n' + Array.from({length: n}, (_, i) => `unknown${i}: 1\n`).join(''))
  return file
})
const commands = [
  ['validate example (baseline)', [bin, 'validate', '-q', join(root, 'examples', 'dpu-passthrough.yaml')], 0],
  ...SIZES.map((n, i) => [`validate ${n / 1000}k unknown keys`, [bin, 'validate', files[i]], 1]),
]

function time(args, status) {
  const t = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, {stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26})
  const ms = Number(process.hrtime.bigint() - t) / 1e6
  if (r.status !== status) throw new Error(`${args.join(' ')} exited ${r.status}`)
  return ms
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const samples = commands.map(() => [])
try {
  for (let i = 0; i < WARMUP + RUNS; i++)
    commands.forEach(([, args, status], j) => {
      const ms = time(args, status)
      if (i >= WARMUP) samples[j].push(ms)
    })
} finally {
  rmSync(dir, {recursive: true, force: true})
}

const base = median(samples[0])
console.log(`problem reporting, median of ${RUNS} runs (${WARMUP} warm-up), node ${process.version}, ${execFileSync('nproc').toString().trim()} cores`)
console.log('command'.padEnd(30) + 'median ms'.padStart(10) + '× baseline'.padStart(12) + 'µs/key'.padStart(9))
commands.forEach(([name], j) => {
  const m = median(samples[j])
  const n = j === 0 ? 0 : SIZES[j - 1]
  console.log(name.padEnd(30) + m.toFixed(0).padStart(10) + `${(m / base).toFixed(2)}×`.padStart(12) + (n ? ((m - base) * 1000 / n).toFixed(1) : '').padStart(9))
})
console.log(`\n40k unknown keys: ${median(samples[2]).toFixed(0)} ms (target < 1000 ms)`)
