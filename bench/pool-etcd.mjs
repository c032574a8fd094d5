// bench:pool-etcd — one pool for a super-node (issue 11). 16 hosts × 8 concurrent allocators (in-process clients,
// each with its own simulated host state; bus instances carry their host id) run alloc → free cycles for a fixed
// time against (a) the embedded ledger (one state store, its lock) and (b) the etcd ledger on a 3-member cluster
// this script starts and stops, with the etcd leader killed half way through. Printed: cycles, refusals (no
// room: 30 slices for 128 allocators), conflicts retried, allocator errors, double allocations (a slice two
// allocators held at once), leaked slices, throughput and p99 alloc latency side by side with the ratio. Then
// host failure: three `ubmgr pool agent` processes, one killed with SIGKILL; detection and re-homing times
// against the targets (TTL + 1 s; 2 s more). BENCH_SECONDS, BENCH_HOSTS, BENCH_ALLOCATORS change the load;
// BENCH_KILL=0 keeps every etcd member up.
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'

const root = join(fileURLToPath(import.meta.url), '..', '..')
const ETCD = '/usr/bin/etcd'
if (!existsSync(ETCD)) {
  console.error(`${ETCD} is missing: apt-get install etcd-server`)
  process.exit(1)
}
const {alloc, free, ledgerFromHost, StoreLedger} = await import('../dist/pool/index.js')
const {claimNew} = await import('../dist/pool/shared.js')
const {EtcdLedger} = await import('../dist/pool/etcd-ledger.js')
const {StateStore} = await import('../dist/store/state-store.js')
const {initialHost} = await import('../dist/backends/sim/hook.js')
const {table} = await import('../dist/cli/pool-report.js')

const HOSTS = Number(process.env.BENCH_HOSTS ?? 16)
const PER_HOST = Number(process.env.BENCH_ALLOCATORS ?? 8)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const TTL = 2
const dir = await mkdtemp(join(tmpdir(), 'ubmgr-bench-etcd-'))

// ---- etcd: 3 members on free loopback ports, each its own process group, killed on exit whatever happens
const groups = new Set()
const killGroup = (pid) => {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // gone
  }
}
process.once('exit', () => {
  for (const pid of groups) killGroup(pid)
})
for (const s of ['SIGINT', 'SIGTERM'])
  process.once(s, () => {
    for (const pid of groups) killGroup(pid)
    process.exit(130)
  })
const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address()
      srv.close(() => resolve(port))
    })
  })
const members = []
for (let i = 0; i < 3; i++) members.push({name: `m${i}`, client: await freePort(), peer: await freePort()})
const cluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',')
for (const m of members) {
  const p = spawn(
    ETCD,
    ['--name', m.name, '--data-dir', join(dir, m.name), '--listen-client-urls', `http://127.0.0.1:${m.client}`, '--advertise-client-urls', `http://127.0.0.1:${m.client}`,
      '--listen-peer-urls', `http://127.0.0.1:${m.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`, '--initial-cluster', cluster,
      '--initial-cluster-token', `bench-${process.pid}`, '--log-level', 'error', '--logger', 'zap'],
    {detached: true, stdio: 'ignore'},
  )
  groups.add(p.pid)
  p.once('exit', () => groups.delete(p.pid))
  m.proc = p
}
const endpoints = members.map((m) => `127.0.0.1:${m.client}`)
for (const m of members)
  for (let ok = false; !ok; await new Promise((r) => setTimeout(r, 100)))
    ok = await fetch(`http://127.0.0.1:${m.client}/health`).then(async (r) => (await r.json()).health === 'true').catch(() => false)

async function leader() {
  const {Etcd3} = await import('etcd3')
  for (const [i, m] of members.entries()) {
    if (m.proc.exitCode !== null) continue
    const c = new Etcd3({hosts: `http://127.0.0.1:${m.client}`})
    try {
      const s = await c.maintenance.status()
      if (s.leader === s.header.member_id) return i
    } catch {
      // next
    } finally {
      c.close()
    }
  }
  return 0
}

// ---- the allocators
const host0 = await initialHost()
const need = {bandwidthMbps: 5000, queues: 1, compute: 0}
const p99 = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] : NaN
}

async function run(name, storeOf, midway) {
  const holder = new Map()
  const stats = {cycles: 0, refused: 0, errors: [], doubles: 0, lat: []}
  const end = performance.now() + SECONDS * 1000
  let midDone = false
  const allocator = async (hostId, k) => {
    const store = storeOf(hostId)
    let host = structuredClone(host0)
    const me = `${hostId}/a${k}`
    while (performance.now() < end) {
      if (!midDone && midway && performance.now() > end - (SECONDS * 1000) / 2) {
        midDone = true
        midway()
      }
      const t = performance.now()
      let got
      try {
        got = await store.transaction(async (tx) => {
          const ledger = (await tx.read()) ?? ledgerFromHost(host0).ledger
          const a = alloc(ledger, host, {busInstanceGuid: 'new', requests: [{name: 'r', class: k % 3 === 2 ? 'nic' : 'dpu', need}]})
          if (!a.ok) return undefined
          claimNew(ledger, a.ledger, hostId)
          tx.write(a.ledger)
          return a
        })
      } catch (error) {
        stats.errors.push(`${me}: ${String(error?.message ?? error).split('\n')[0]}`)
        continue
      }
      if (!got) {
        stats.refused++
        // no room: come back later rather than spin on a full pool
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80))
        continue
      }
      stats.lat.push(performance.now() - t)
      host = got.host
      const slice = got.result.devices[0].slice
      if (holder.has(slice)) stats.doubles++
      holder.set(slice, me)
      // hold it a moment: another allocator given the same slice meanwhile would be counted
      await new Promise((r) => setTimeout(r, 2))
      if (holder.get(slice) !== me) stats.doubles++
      holder.delete(slice)
      try {
        const f = await store.transaction(async (tx) => {
          const r = free((await tx.read()), host, {busInstanceGuid: got.result.busInstanceGuid})
          if (!r.ok) throw r.error
          tx.write(r.ledger)
          return r
        })
        host = f.host
        stats.cycles++
      } catch (error) {
        stats.errors.push(`${me}: free: ${String(error?.message ?? error).split('\n')[0]}`)
      }
    }
  }
  const t0 = performance.now()
  const jobs = []
  for (let h = 0; h < HOSTS; h++) for (let k = 0; k < PER_HOST; k++) jobs.push(allocator(`h${h}`, k))
  await Promise.all(jobs)
  const seconds = (performance.now() - t0) / 1000
  const final = await storeOf('h0').read()
  const leaked = final ? final.cards.reduce((n, c) => n + c.slices.filter((s) => s.owner).length, 0) + final.busInstances.length : 0
  return {name, ...stats, seconds, leaked, throughput: stats.cycles / seconds, p99: p99(stats.lat)}
}

/** One host's transactions in turn, as one ubmgr process (or EtcdLedger client) runs them. */
function queued(store) {
  let queue = Promise.resolve()
  return {
    read: () => store.read(),
    transaction(fn) {
      const run = queue.then(() => store.transaction(fn))
      queue = run.then(() => undefined, () => undefined)
      return run
    },
  }
}
const embeddedStores = new Map()
const embedded = await run('embedded', (h) => {
  if (!embeddedStores.has(h)) embeddedStores.set(h, queued(new StoreLedger(new StateStore(join(dir, 'embedded')))))
  return embeddedStores.get(h)
})
// one etcd client per host (EtcdLedger queues its own transactions)
const clients = new Map()
for (let h = 0; h < HOSTS; h++) clients.set(`h${h}`, await EtcdLedger.open({endpoints, prefix: '/bench', timeoutMs: 10_000}))
let killed = -1
const onEtcd = await run('etcd', (h) => clients.get(h), process.env.BENCH_KILL === '0' ? undefined : () => {
  leader().then((i) => {
    killed = i
    killGroup(members[i].proc.pid)
  })
})
onEtcd.conflicts = [...clients.values()].reduce((n, c) => n + c.conflicts, 0)
for (const c of clients.values()) c.close()

// ---- host failure: three agents, one killed
const uri = `etcd://${endpoints.filter((_, i) => i !== killed).join(',')}/hosts-bench`
const agents = ['a', 'b', 'c'].map((h) => {
  const p = spawn(process.execPath, [join(root, 'bin/run.js'), 'pool', 'agent', '--pool', uri, '--host-id', h, '--ttl', String(TTL), '--json'], {
    env: {...process.env, UBMGR_STATE_DIR: join(dir, 'agents', h), UBMGR_POOL: ''},
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = []
  let buf = ''
  p.stdout.on('data', (d) => {
    buf += d
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(JSON.parse(buf.slice(0, i)))
      buf = buf.slice(i + 1)
    }
  })
  return {h, p, lines}
})
const until = async (f, ms) => {
  const end = Date.now() + ms
  while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
  return f()
}
await until(() => agents.every((a) => a.lines.some((l) => l.event === 'joined')), 20_000)
await mkdir(join(dir, 'agents'), {recursive: true})
const allocA = spawn(process.execPath, [join(root, 'bin/run.js'), 'pool', 'alloc', 'dpu,bandwidth=10Gbit/s', 'nic,bandwidth=5Gbit/s', '--pool', uri, '--host-id', 'a', '-q'], {
  env: {...process.env, UBMGR_STATE_DIR: join(dir, 'agents', 'a'), UBMGR_POOL: ''},
  stdio: 'inherit',
})
await new Promise((r) => allocA.once('exit', r))
const killedAt = Date.now()
agents[0].p.kill('SIGKILL')
const survivors = agents.slice(1)
await until(() => survivors.some((s) => s.lines.some((l) => l.event === 'rehomed')), (TTL + 5) * 1000)
await new Promise((r) => setTimeout(r, 1000))
const lost = survivors.flatMap((s) => s.lines.filter((l) => l.event === 'host-lost'))
const rehomed = survivors.flatMap((s) => s.lines.filter((l) => l.event === 'rehomed'))
const detectMs = lost.length ? Math.min(...lost.map((l) => l.t)) - killedAt : NaN
const sinceBeat = lost.length ? Math.min(...lost.map((l) => l.detectMs ?? Infinity)) : NaN
const rehomeMs = rehomed.length ? rehomed[0].t - killedAt - detectMs : NaN
for (const s of survivors) s.p.kill('SIGTERM')
await Promise.all(survivors.map((s) => new Promise((r) => (s.p.exitCode !== null ? r() : s.p.once('exit', r)))))

for (const pid of groups) killGroup(pid)
await rm(dir, {recursive: true, force: true})

// ---- report
const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-')
console.log(`${HOSTS} hosts × ${PER_HOST} allocators, ${SECONDS} s each; alloc → free cycles of one 5 Gbit/s DPU or NIC slice (30 slices in the pool)\n`)
console.log(
  table(
    ['LEDGER', 'CYCLES', 'ALLOC/S', 'P99 ALLOC MS', 'REFUSED (NO ROOM)', 'CONFLICTS RETRIED', 'ERRORS', 'DOUBLE', 'LEAKED'],
    [embedded, onEtcd].map((r) => [r.name, String(r.cycles), fmt(r.throughput), fmt(r.p99), String(r.refused), r.conflicts === undefined ? '-' : String(r.conflicts), String(r.errors.length), String(r.doubles), String(r.leaked)]),
  ),
)
console.log(`\netcd / embedded: throughput ${fmt(onEtcd.throughput / embedded.throughput, 2)}×, p99 latency ${fmt(onEtcd.p99 / embedded.p99, 2)}×`)
console.log(`${killed >= 0 ? `etcd member killed half way: m${killed} (the leader)` : 'no etcd member killed (BENCH_KILL=0)'}; allocator errors beyond retries: ${onEtcd.errors.length}${onEtcd.errors.length ? ` (first: ${onEtcd.errors[0]})` : ''}`)
if (embedded.errors.length) console.log(`embedded errors: ${embedded.errors.length} (first: ${embedded.errors[0]})`)
console.log(
  `host failure (lease ttl ${TTL} s): detected ${fmt(detectMs, 0)} ms after the kill (target ≤ ${TTL * 1000 + 1000} ms; ${fmt(sinceBeat, 0)} ms after its last keepalive; UBSE ~6000 ms: heartbeat 2 s × 3); ` +
    `re-homed ${fmt(rehomeMs, 0)} ms later (target ≤ 2000 ms) by ${rehomed.length} agent(s)`,
)
const ok = onEtcd.doubles === 0 && embedded.doubles === 0 && onEtcd.leaked === 0 && embedded.leaked === 0 && onEtcd.errors.length === 0 && detectMs <= TTL * 1000 + 1000 && rehomeMs <= 2000 && rehomed.length === 1
console.log(JSON.stringify({embedded: {cycles: embedded.cycles, per_s: +fmt(embedded.throughput), p99_ms: +fmt(embedded.p99)}, etcd: {cycles: onEtcd.cycles, per_s: +fmt(onEtcd.throughput), p99_ms: +fmt(onEtcd.p99), conflicts: onEtcd.conflicts, errors: onEtcd.errors.length}, doubles: onEtcd.doubles + embedded.doubles, leaked: onEtcd.leaked + embedded.leaked, detect_ms: detectMs, rehome_ms: rehomeMs, targets_met: ok}))
process.exitCode = ok ? 0 : 1
