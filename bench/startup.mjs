// npm run bench:startup — whole-process startup of the commands shell loops call, side by side in one run
// with bare node (`node -e 0`), each as a ratio to it next to its target (issue 12). The commands interleave
// run by run so that machine noise hits all alike; median of N after warm-up (which also writes the V8 code
// cache, in a cache directory of this run). For comparison, the same commands through oclif's full path
// (UBMGR_FAST_PATH=0, as before the fast path) and virt-install --print-xml where installed.
// Not a test: figures depend on the machine.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const RUNS = Number(process.env.BENCH_RUNS ?? 21)
const WARMUP = 3
const example = join(root, 'examples', 'dpu-passthrough.yaml')
const bin = join(root, 'bin', 'run.js')
const work = mkdtempSync(join(tmpdir(), 'ubmgr-bench-startup-'))
const env = {...process.env, UBMGR_STATE_DIR: join(work, 'state'), UBMGR_CACHE_DIR: join(work, 'cache'), UBMGR_DEFAULT_URI: 'sim:///bench'}
const vm = join(work, 'vm.json')
writeFileSync(vm, JSON.stringify({name: 'bench', vcpus: 1, memory: '1GiB', disks: [{target: 'vda', source: '/var/lib/libvirt/images/bench.qcow2'}]}))

const ubmgr = (name, args, target, extra = {}) => ({name, cmd: process.execPath, args: [bin, ...args], target, env: {...env, ...extra}})
// In the order they run each round: define, start, … destroy leave the store as they found it.
const commands = [
  {name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], env},
  ubmgr('ubmgr validate', ['validate', '-q', example], 1.3),
  ubmgr('ubmgr render', ['render', example], 1.4),
  ubmgr('ubmgr define', ['define', '-q', vm], 1.5),
  ubmgr('ubmgr start', ['start', '-q', 'bench'], 1.5),
  ubmgr('ubmgr domstate', ['domstate', 'bench'], 1.5),
  ubmgr('ubmgr dominfo', ['dominfo', 'bench'], 1.5),
  ubmgr('ubmgr list --all', ['list', '--all'], 1.5),
  ubmgr('ubmgr destroy', ['destroy', '-q', 'bench'], 1.5),
  ubmgr('ubmgr --help', ['--help'], 2),
  ubmgr('ubmgr validate --help', ['validate', '--help'], 2),
  ubmgr('ubmgr --version', ['--version']),
  ubmgr('validate, oclif path', ['validate', '-q', example], undefined, {UBMGR_FAST_PATH: '0'}),
  ubmgr('render, oclif path', ['render', example], undefined, {UBMGR_FAST_PATH: '0'}),
  ubmgr('list --all, oclif path', ['list', '--all'], undefined, {UBMGR_FAST_PATH: '0'}),
  ubmgr('validate, no code cache', ['validate', '-q', example], undefined, {UBMGR_CODE_CACHE: '0'}),
]
if (spawnSync('virt-install', ['--version']).status === 0)
  commands.push({name: 'virt-install --print-xml', cmd: 'virt-install', args: ['--connect', 'test:///default', '--print-xml', '--name', 'b', '--memory', '1024', '--disk', 'none', '--import', '--osinfo', 'detect=on,require=off'], env})

function time({cmd, args, env}) {
  const t = process.hrtime.bigint()
  const r = spawnSync(cmd, args, {stdio: ['ignore', 'ignore', 'pipe'], env})
  const ms = Number(process.hrtime.bigint() - t) / 1e6
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

try {
  const samples = commands.map(() => [])
  for (let i = 0; i < WARMUP + RUNS; i++)
    commands.forEach((c, j) => {
      const ms = time(c)
      if (i >= WARMUP) samples[j].push(ms)
    })
  const base = median(samples[0])
  console.log(`startup, median of ${RUNS} runs (${WARMUP} warm-up), node ${process.version}, ${execFileSync('nproc').toString().trim()} cores`)
  console.log('command'.padEnd(30) + 'median ms'.padStart(10) + 'min'.padStart(8) + 'max'.padStart(8) + '  × node -e 0   target')
  let missed = 0
  commands.forEach((c, j) => {
    const m = median(samples[j])
    const ratio = m / base
    const verdict = c.target === undefined ? '' : `≤ ${c.target.toFixed(1)}×  ${ratio <= c.target ? 'ok' : 'MISSED'}`
    if (c.target !== undefined && ratio > c.target) missed++
    console.log(c.name.padEnd(30) + m.toFixed(1).padStart(10) + Math.min(...samples[j]).toFixed(1).padStart(8) + Math.max(...samples[j]).toFixed(1).padStart(8) + `  ${ratio.toFixed(2)}×`.padEnd(15) + verdict)
  })
  console.log(`\n${missed === 0 ? 'every target met' : `${missed} target(s) missed`} (targets from issue 12; the oclif-path and no-cache rows are for comparison)`)
} finally {
  rmSync(work, {recursive: true, force: true})
}
