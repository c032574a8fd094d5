// npm run bench:startup — whole-process startup, side by side in one run: bare node, ubmgr validate and
// render of a typical example, and virt-install --print-xml where installed. Median of N runs after
// warm-up, with each command's ratio to `node -e 0`. Not a test: numbers depend on the machine.
import {execFileSync, spawnSync} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const RUNS = Number(process.env.BENCH_RUNS ?? 21)
const WARMUP = 3
const example = join(root, 'examples', 'dpu-passthrough.yaml')
const bin = join(root, 'bin', 'run.js')

const commands = [
  ['node -e 0', process.execPath, ['-e', '0']],
  ['ubmgr --version', process.execPath, [bin, '--version']],
  ['ubmgr validate', process.execPath, [bin, 'validate', '-q', example]],
  ['ubmgr render', process.execPath, [bin, 'render', example]],
  ['ubmgr render --target upstream', process.execPath, [bin, 'render', '-t', 'upstream', example]],
]
if (spawnSync('virt-install', ['--version']).status === 0)
  commands.push(['virt-install --print-xml', 'virt-install', ['--connect', 'test:///default', '--print-xml', '--name', 'b', '--memory', '1024', '--disk', 'none', '--import', '--osinfo', 'detect=on,require=off']])

function time(cmd, args) {
  const t = process.hrtime.bigint()
  const r = spawnSync(cmd, args, {stdio: ['ignore', 'ignore', 'pipe']})
  const ms = Number(process.hrtime.bigint() - t) / 1e6
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

// Interleave the commands run by run so that machine noise hits all of them alike.
const samples = commands.map(() => [])
for (let i = 0; i < WARMUP + RUNS; i++)
  commands.forEach(([, cmd, args], j) => {
    const ms = time(cmd, args)
    if (i >= WARMUP) samples[j].push(ms)
  })

const base = median(samples[0])
console.log(`startup, median of ${RUNS} runs (${WARMUP} warm-up), node ${process.version}, ${execFileSync('nproc').toString().trim()} cores`)
console.log('command'.padEnd(34) + 'median ms'.padStart(10) + 'min'.padStart(8) + 'max'.padStart(8) + '  × node -e 0')
commands.forEach(([name], j) => {
  const m = median(samples[j])
  console.log(
    name.padEnd(34) +
      m.toFixed(1).padStart(10) +
      Math.min(...samples[j]).toFixed(1).padStart(8) +
      Math.max(...samples[j]).toFixed(1).padStart(8) +
      `  ${(m / base).toFixed(2)}×`,
  )
})
const validate = median(samples[2]) / base
console.log(`\nubmgr validate: ${validate.toFixed(2)}× node -e 0 (target ≤ 2.5×, moonshot 1.6×)`)
