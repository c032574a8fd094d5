// npm run bench:lifecycle — the embedded store at scale (issue 12), each figure beside its baseline measured in
// the same run and its target:
//   1. define with a uuid (library, in process) at 0 and at N existing domains (default 10,000): ≤ 2×;
//   2. list --all at N: the CLI's wall time ≤ 400 ms, beside `node -e 0`, `ubmgr --version` and the library's time;
//   3. define+start+destroy+undefine through the library, per VM: ≤ 8 ms (at 0 and at N domains);
//   4. define+undefine pairs through the CLI (a process per call) beside virsh doing the same against a private
//      libvirtd this benchmark starts and stops (skipped, saying why, when it cannot start).
// Knobs: BENCH_DOMAINS (10000), BENCH_SAMPLES (15 defines in each store), BENCH_RUNS (5 list runs), BENCH_VMS (200),
// BENCH_PAIRS (200). Not a test: figures depend on the machine (medians; the load average is printed).
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {bulkDefine} from './lifecycle-populate.mjs'
import {startLibvirtd} from './libvirtd.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const knob = (name, fallback) => Number(process.env[name] ?? fallback)
const N = knob('BENCH_DOMAINS', 10_000)
const SAMPLES = knob('BENCH_SAMPLES', 15)
const RUNS = knob('BENCH_RUNS', 5)
const VMS = knob('BENCH_VMS', 200)
const PAIRS = knob('BENCH_PAIRS', 200)
const work = mkdtempSync(join(tmpdir(), 'ubmgr-bench-'))
const stateDir = join(work, 'state')
process.env.UBMGR_STATE_DIR = stateDir

const {SimBackend} = await import(join(root, 'dist/backends/sim/backend.js'))
const {EmbeddedStore} = await import(join(root, 'dist/backends/sim/store.js'))
const {renderDomain} = await import(join(root, 'dist/xml/render.js'))
const {normalize} = await import(join(root, 'dist/definition/normalize.js'))
const bin = join(root, 'bin/run.js')

const definition = (name, uuid) => ({name, ...(uuid ? {uuid} : {}), type: 'qemu', vcpus: 1, memory: '1GiB', disks: [{target: 'vda', source: `/var/lib/libvirt/images/${name}.qcow2`}]})
const backendOf = (store) => new SimBackend(`sim:///${store}`, new EmbeddedStore(store))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1)).padStart(7) + ' ms'
const verdict = (ok) => (ok ? 'ok' : 'MISSED')

/** One line: what, the figure, its ratio to a baseline, the target and whether it is met. */
function line(what, ms, ratio, target) {
  const r = ratio ? `${ratio.value.toFixed(2)}× ${ratio.of}`.padEnd(34) : ''.padEnd(34)
  const t = target ? `target ${target.text}: ${verdict(target.ok)}` : ''
  console.log(`  ${what.padEnd(44)} ${fmt(ms)}   ${r} ${t}`)
}

/** Wall time of one process; throws with its stderr when it fails. */
function timeProcess(cmd, args, env = process.env) {
  const t = performance.now()
  const r = spawnSync(cmd, args, {env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28})
  const ms = performance.now() - t
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return {ms, stdout: String(r.stdout)}
}
const cli = (args) => timeProcess(process.execPath, [bin, ...args])

/** Time of one library define with a fresh uuid, then undefined (untimed), so the store keeps its size. */
async function defineOnce(backend, name) {
  const t = performance.now()
  await backend.define(definition(name, crypto.randomUUID()), {dryRun: false, source: 'bench'})
  const ms = performance.now() - t
  await backend.undefine(name)
  return ms
}

/** Medians of SAMPLES defines with a uuid in each store, interleaved so that load on the machine hits both alike. */
async function defineWithUuid(small, large) {
  const times = [[], []]
  for (let i = 0; i < SAMPLES; i++) {
    times[0].push(await defineOnce(small, `probe-${i}`))
    times[1].push(await defineOnce(large, `probe-${i}`))
  }
  return times.map(median)
}

/** Library define+start+destroy+undefine of VMS VMs, per VM, after one untimed (a store's first start builds its host). */
async function lifecycle(backend, tag) {
  let t = 0
  for (let i = -1; i < VMS; i++) {
    if (i === 0) t = performance.now()
    const name = `life-${tag}-${i + 1}`
    await backend.define(definition(name), {dryRun: false, source: 'bench'})
    await backend.start(name)
    await backend.destroy(name)
    await backend.undefine(name)
  }
  return (performance.now() - t) / VMS
}

/** Median of RUNS: the library's list --all (in process) and the CLI's (a process each). */
async function listAll(backend, store) {
  const lib = []
  const proc = []
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now()
    const {domains} = await backend.list({all: true})
    lib.push(performance.now() - t)
    if (domains.length !== N) throw new Error(`library list --all gave ${domains.length} domains, not ${N}`)
    const r = cli(['list', '--all', '--name', '-c', `sim:///${store}`])
    proc.push(r.ms)
    const lines = r.stdout.split('\n').filter((l) => l !== '').length
    if (lines !== N) throw new Error(`ubmgr list --all printed ${lines} names, not ${N}`)
  }
  return {lib: median(lib), cli: median(proc)}
}

/** PAIRS define+undefine through the CLI, and through virsh when a private libvirtd starts; ms per pair. */
async function pairs() {
  const files = []
  for (let i = 0; i < PAIRS + 1; i++) {
    const d = definition(`pair-${i}`)
    const json = join(work, `pair-${i}.json`)
    const xml = join(work, `pair-${i}.xml`)
    writeFileSync(json, JSON.stringify(d))
    writeFileSync(xml, renderDomain(normalize(d), 'upstream').xml)
    files.push({name: d.name, json, xml})
  }
  const run = (call) => {
    call(files[PAIRS]) // warm-up (libvirtd probes QEMU on its first define)
    const t = performance.now()
    for (const f of files.slice(0, PAIRS)) call(f)
    return (performance.now() - t) / PAIRS
  }
  const ubmgr = run((f) => {
    cli(['define', f.json, '-q', '-c', 'sim:///pairs'])
    cli(['undefine', f.name, '-q', '-c', 'sim:///pairs'])
  })
  let virsh
  let why
  try {
    const daemon = await startLibvirtd()
    try {
      virsh = run((f) => {
        timeProcess('virsh', ['-q', '-c', daemon.uri, 'define', f.xml])
        timeProcess('virsh', ['-q', '-c', daemon.uri, 'undefine', '--', f.name])
      })
    } finally {
      await daemon.stop()
    }
  } catch (error) {
    why = error.message.split('\n')[0]
  }
  return {ubmgr, virsh, why}
}

console.log(`bench:lifecycle — ${N} domains, ${SAMPLES} define samples, ${RUNS} list runs, ${VMS} VMs, ${PAIRS} CLI pairs; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
const nodeBare = median(Array.from({length: RUNS}, () => timeProcess(process.execPath, ['-e', '0']).ms))
const startup = median(Array.from({length: RUNS}, () => cli(['--version']).ms))

const empty = backendOf('empty')
await defineOnce(empty, 'warm')

const big = backendOf('big')
let t = performance.now()
await bulkDefine({stateDir, store: 'big', count: N, definition, backendOf})
const populate = performance.now() - t
t = performance.now()
await big.define(definition('first'), {dryRun: false, source: 'bench'}) // builds the index from the records
await big.undefine('first')
const firstTx = performance.now() - t
const [define0, defineN] = await defineWithUuid(empty, big)
const list = await listAll(big, 'big')
const life0 = await lifecycle(empty, 'zero')
const lifeN = await lifecycle(big, 'big')
const pair = await pairs()
rmSync(work, {recursive: true, force: true})

console.log(`process startup (median of ${RUNS})`)
line('node -e 0', nodeBare)
line('ubmgr --version', startup, {value: startup / nodeBare, of: 'node -e 0'})
console.log(`define with a uuid, library, in process (median of ${SAMPLES}, the two stores interleaved)`)
line('at 0 domains', define0)
line(`at ${N} domains`, defineN, {value: defineN / define0, of: 'at 0 domains'}, {text: '≤ 2×', ok: defineN <= 2 * define0})
console.log(`list --all at ${N} domains (median of ${RUNS})`)
line('ubmgr list --all --name (CLI, wall)', list.cli, {value: list.cli / nodeBare, of: 'node -e 0'}, {text: '≤ 400 ms', ok: list.cli <= 400})
line('library list({all: true}), in process', list.lib, {value: list.lib / list.cli, of: 'of the CLI'}, {text: `≤ ${(400 - startup).toFixed(0)} ms (400 − startup)`, ok: list.lib <= 400 - startup})
console.log(`define+start+destroy+undefine, library, per VM (${VMS} VMs)`)
line('at 0 domains', life0, undefined, {text: '≤ 8 ms', ok: life0 <= 8})
line(`at ${N} domains`, lifeN, {value: lifeN / life0, of: 'at 0 domains'}, {text: '≤ 8 ms', ok: lifeN <= 8})
console.log(`define+undefine pairs, a process per call (${PAIRS} pairs)`)
line('ubmgr CLI, sim://', pair.ubmgr)
if (pair.virsh === undefined) console.log(`  virsh peer skipped: ${pair.why}`)
else line('virsh, private libvirtd (qemu:///session)', pair.virsh, {value: pair.ubmgr / pair.virsh, of: 'ubmgr / virsh'})
console.log(`setup: ${N} records written in bulk in ${(populate / 1000).toFixed(1)} s; first define+undefine after (index built) ${fmt(firstTx)}`)
