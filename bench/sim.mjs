// npm run bench:sim — the simulator at super-node scale, from host FILES as users run it.
// Fabrics of ~16k, ~64k and ~256k entities are generated as JSON first (not timed). Each measurement runs in
// its own child process, so its peak RSS is that size's alone:
//   load+enumerate  loadFabric(FILE) + enumerateHost + the /sys/bus/ub/devices table (what `host enumerate` does)
//   baseline        reading the same file and JSON.parse alone, the floor any loader pays
//   CLI             `ubmgr host enumerate --host FILE -q`, wall time of the whole process
// Targets (issue 12): 16k ≤ 1 s, 64k ≤ 2.5 s, 256k ≤ 10 s and ≤ 1.5 GiB peak RSS; growth exponent ≤ 1.1.
// Then the boot walk of VMs with 8, 64 and 256 UB devices. Wall-clock figures of this machine.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = (p) => join(root, 'dist', p)
const self = fileURLToPath(import.meta.url)
const rss = () => process.resourceUsage().maxRSS / 1024

if (process.argv[2] === '--enumerate') {
  const {loadFabric} = await import(dist('sim/host/fabric.js'))
  const {enumerateHost} = await import(dist('sim/host/enumerate.js'))
  const {devicesTable} = await import(dist('sim/host/sysfs.js'))
  const t = performance.now()
  const r = enumerateHost(await loadFabric(process.argv[3]))
  const table = devicesTable(r.state)
  process.stdout.write(JSON.stringify({entities: r.stats.entities, ms: performance.now() - t, rssMiB: rss(), rows: table.length > 0}))
  process.exit(0)
}
if (process.argv[2] === '--baseline') {
  const t = performance.now()
  const fabric = JSON.parse(readFileSync(process.argv[3], 'utf8'))
  process.stdout.write(JSON.stringify({ms: performance.now() - t, rssMiB: rss(), nodes: fabric.nodes.length}))
  process.exit(0)
}

const child = (mode, file) => JSON.parse(execFileSync(process.execPath, [self, mode, file], {maxBuffer: 1 << 20}).toString())
const median = (runs, key) => runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)]
const {generateFabric} = await import(dist('sim/host/generate.js'))

const dir = mkdtempSync(join(tmpdir(), 'ubmgr-bench-sim-'))
const PER_NODE = 250 // devices per node; with its controller and 9 switches, 260 entities a node
const sizes = [
  {label: '16k', nodes: 63, target: 1000},
  {label: '64k', nodes: 252, target: 2500},
  {label: '256k', nodes: 1008, target: 10000, rssTarget: 1536},
]
const runs = Number(process.env.BENCH_RUNS ?? 3)
console.log(`enumeration from a host file (JSON, ${PER_NODE} devices per node behind switches; median of ${runs}, 256k once)`)
console.log('entities'.padStart(9) + 'file MiB'.padStart(10) + 'load+enum ms'.padStart(14) + 'target'.padStart(9) + 'peak RSS MiB'.padStart(14) + 'baseline ms'.padStart(13) + 'ratio'.padStart(7) + 'CLI ms'.padStart(9))
const rows = []
try {
  for (const size of sizes) {
    const file = join(dir, `${size.label}.json`)
    writeFileSync(file, JSON.stringify(generateFabric(size.nodes, PER_NODE, 1)))
    const n = size.label === '256k' ? 1 : runs
    const enumRuns = Array.from({length: n}, () => child('--enumerate', file))
    const baseRuns = Array.from({length: n}, () => child('--baseline', file))
    const t = performance.now()
    const cli = spawnSync(process.execPath, [join(root, 'bin', 'run.js'), 'host', 'enumerate', '--host', file, '-q'], {stdio: 'ignore'})
    const cliMs = performance.now() - t
    if (cli.status !== 0) throw new Error(`ubmgr host enumerate exited ${cli.status}`)
    const row = {label: size.label, entities: enumRuns[0].entities, ms: median(enumRuns, 'ms'), rssMiB: median(enumRuns, "rssMiB"), baseMs: median(baseRuns, 'ms'), cliMs, size}
    rows.push(row)
    const ok = row.cliMs <= size.target && (!size.rssTarget || row.rssMiB <= size.rssTarget)
    console.log(
      String(row.entities).padStart(9) +
        (statSync(file).size / 2 ** 20).toFixed(1).padStart(10) +
        row.ms.toFixed(0).padStart(14) +
        `≤${size.target}`.padStart(9) +
        `${row.rssMiB.toFixed(0)}${size.rssTarget ? ` ≤${size.rssTarget}` : ''}`.padStart(14) +
        row.baseMs.toFixed(0).padStart(13) +
        (row.ms / row.baseMs).toFixed(1).padStart(7) +
        row.cliMs.toFixed(0).padStart(9) +
        (ok ? '  ok' : '  MISSED'),
    )
  }
  const [a, , c] = rows
  const exponent = Math.log(c.ms / a.ms) / Math.log(c.entities / a.entities)
  console.log(`growth exponent (load+enumerate, 16k → 256k): ${exponent.toFixed(2)} (target ≤ 1.1)${exponent <= 1.1 ? '  ok' : '  MISSED'}`)
  console.log('(target columns compare the CLI wall time; ratio = load+enumerate / baseline JSON.parse of the same file)')
} finally {
  rmSync(dir, {recursive: true, force: true})
}

const {enumerateHost} = await import(dist('sim/host/enumerate.js'))
const {bootVm, teardownVm} = await import(dist('sim/vm/index.js'))
const {normalize} = await import(dist('definition/normalize.js'))
const host = enumerateHost(generateFabric(1, 300, 3)).state
const guids = host.entities.filter((e) => e.kind === 'device').map((e) => e.guid)
console.log('\nboot walk (host with 300 devices; median of 5)')
for (const n of [8, 64, 256]) {
  const vm = normalize({
    name: `bench-${n}`,
    vcpus: 4,
    memory: '8GiB',
    ub: {busInstance: {guid: 'cc08-a000-0-0-000000-0000000000002817'}, controller: {ports: 256}, devices: guids.slice(0, n).map((guid, i) => ({name: `d${i}`, host: {guid}}))},
  })
  const times = []
  let events = 0
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    const r = bootVm(vm, host)
    times.push(performance.now() - t)
    if (!r.ok) throw new Error(r.error.message)
    events = r.events.length
    teardownVm(r.guest, r.host)
  }
  times.sort((x, y) => x - y)
  console.log(`${String(n).padStart(4)} devices: ${times[2].toFixed(1).padStart(7)} ms, ${events} steps`)
}
