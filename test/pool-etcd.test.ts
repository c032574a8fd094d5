// One pool for a super-node (issue 11), against a real 3-member etcd on loopback (never mocked): ubmgr processes
// of several hosts allocating at once never share a slice; a host whose lease expires is re-homed by exactly one
// surviving agent; allocations go on through the loss of the etcd leader and the member's return; an unreachable
// etcd fails every command within the timeout with one line and changes nothing; export → import → export is
// byte-identical; watch streams the changes. `pool check` is clean on every host after every scenario.
import {spawn} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {SharedPool} from '../src/backends/sim/shared-pool.js'
import {EmbeddedStore} from '../src/backends/sim/store.js'
import {EtcdLedger} from '../src/pool/etcd-ledger.js'
import type {Ledger} from '../src/pool/ledger.js'
import {bin, repoRoot, runCli, tempDir} from './helpers/cli.js'
import {EtcdCluster} from './helpers/etcd.js'
import {freePort} from './helpers/libvirtd.js'

let etcd: EtcdCluster
let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({dir, cleanup} = await tempDir('ubmgr-pool-etcd-'))
  etcd = await EtcdCluster.start(3)
}, 60_000)
afterAll(async () => {
  await etcd?.stop()
  await cleanup?.()
})

/** ubmgr as host `host` (its own state directory) on the shared pool `prefix`. */
const asHost = (prefix: string, host: string, args: string[]) =>
  runCli([...args, '--pool', etcd.uri(prefix), '--host-id', host], {env: {UBMGR_STATE_DIR: join(dir, prefix, host), UBMGR_POOL: ''}})

async function checkClean(prefix: string, hosts: string[]): Promise<void> {
  const runs = await Promise.all(hosts.map((h) => asHost(prefix, h, ['pool', 'check'])))
  for (const [i, r] of runs.entries()) {
    expect(r.stderr, `pool check on ${hosts[i]}`).toBe('')
    expect(r.exitCode).toBe(0)
  }
}

const held = (l: Ledger) => l.cards.flatMap((c) => c.slices.filter((s) => s.owner).map((s) => ({slice: s.id, bi: s.owner!.busInstance})))

async function ledgerOf(prefix: string): Promise<Ledger> {
  const r = await asHost(prefix, 'reader', ['pool', 'export'])
  expect(r.exitCode, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as Ledger
}

describe('a shared pool on etcd', () => {
  it('ubmgr processes of 8 hosts allocating at once never share a slice; every host checks clean', async () => {
    const hosts = Array.from({length: 8}, (_, i) => `h${i}`)
    // one process per host, each with its own state directory, all on the same cards (15 DPU VFEs)
    const runs = await Promise.all(hosts.map((h) => asHost('conc', h, ['pool', 'alloc', 'dpu,bandwidth=5Gbit/s', '--json'])))
    for (const r of runs) expect(r.stderr).toBe('')
    const ok = runs.map((r) => JSON.parse(r.stdout) as {busInstanceGuid: string; devices: Array<{slice: string}>})
    const slices = ok.map((a) => a.devices[0].slice)
    expect(new Set(slices).size).toBe(slices.length)
    expect(new Set(ok.map((a) => a.busInstanceGuid)).size).toBe(ok.length)
    const ledger = await ledgerOf('conc')
    expect(held(ledger).map((h) => h.slice).sort()).toEqual([...slices].sort())
    // each bus instance names the host that made it
    for (const b of ledger.busInstances) expect(hosts).toContain(b.host)
    await checkClean('conc', hosts)
  })

  it('allocations go on while the etcd leader is killed and comes back: retries only, no double allocation', async () => {
    const endpoints = etcd.endpoints
    const clients = await Promise.all(
      ['m1', 'm2', 'm3', 'm4'].map(async (h) => new SharedPool(new EmbeddedStore('default', join(dir, 'loss', h)), await EtcdLedger.open({endpoints, prefix: '/loss', timeoutMs: 8000}), h)),
    )
    const errors: string[] = []
    let done = 0
    const need = {bandwidthMbps: 1000, queues: 0, compute: 0}
    const worker = async (p: SharedPool, rounds: number) => {
      for (let i = 0; i < rounds; i++) {
        try {
          const a = await p.alloc({busInstanceGuid: 'new', requests: [{name: 'r', class: 'dpu', need}]}, false)
          await p.free(a.busInstanceGuid, undefined, false)
          done++
        } catch (error) {
          errors.push(String((error as Error).message))
        }
      }
    }
    const leader = await etcd.leader()
    const work = Promise.all(clients.map((p) => worker(p, 12)))
    await new Promise((r) => setTimeout(r, 400))
    await etcd.kill(leader)
    await work
    expect(errors).toEqual([])
    expect(done).toBe(48)
    // the member returns (the partition heals): more allocations, still consistent
    await etcd.restart(leader)
    await Promise.all(clients.map((p) => worker(p, 3)))
    expect(errors).toEqual([])
    const kept = await Promise.all(clients.map((p) => p.alloc({busInstanceGuid: 'new', requests: [{name: 'k', class: 'dpu', need}]}, false)))
    const slices = kept.map((k) => k.devices[0].slice)
    expect(new Set(slices).size).toBe(4)
    for (const p of clients) p.close()
    const ledger = await ledgerOf('loss')
    expect(held(ledger).map((h) => h.slice).sort()).toEqual([...slices].sort())
    await checkClean('loss', ['m1', 'm2', 'm3', 'm4'])
  })

  it('a host whose lease expires is detected within TTL + 1 s and re-homed by exactly one surviving agent', async () => {
    const ttl = 2
    const agents = ['a', 'b', 'c'].map((h) => {
      const p = spawn(process.execPath, [bin, 'pool', 'agent', '--pool', etcd.uri('lease'), '--host-id', h, '--ttl', String(ttl), '--json'], {
        cwd: repoRoot,
        env: {...process.env, UBMGR_STATE_DIR: join(dir, 'lease', h), UBMGR_POOL: ''},
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      const lines: Array<Record<string, unknown>> = []
      let buf = ''
      p.stdout.on('data', (d: Buffer) => {
        buf += d.toString()
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>)
          buf = buf.slice(i + 1)
        }
      })
      return {host: h, p, lines, exited: new Promise<number | null>((r) => p.once('exit', (code) => r(code)))}
    })
    try {
      const until = async (what: () => boolean, ms: number) => {
        const end = Date.now() + ms
        while (!what()) {
          if (Date.now() > end) return false
          await new Promise((r) => setTimeout(r, 50))
        }
        return true
      }
      expect(await until(() => agents.every((a) => a.lines.some((l) => l.event === 'joined')), 15_000)).toBe(true)
      const a = await asHost('lease', 'a', ['pool', 'alloc', 'dpu,bandwidth=10Gbit/s', 'nic,bandwidth=5Gbit/s', '--json'])
      expect(a.exitCode, a.stderr).toBe(0)
      const bi = (JSON.parse(a.stdout) as {busInstanceGuid: string}).busInstanceGuid
      const killedAt = Date.now()
      agents[0].p.kill('SIGKILL')
      const survivors = agents.slice(1)
      const rehomed = () => survivors.flatMap((s) => s.lines.filter((l) => l.event === 'rehomed').map((l) => ({...l, by: s.host})))
      expect(await until(() => rehomed().length > 0, (ttl + 4) * 1000)).toBe(true)
      // give a second agent the chance to (wrongly) re-home too
      await new Promise((r) => setTimeout(r, 1000))
      const r = rehomed()
      expect(r).toHaveLength(1)
      const lost = survivors.flatMap((s) => s.lines.filter((l) => l.event === 'host-lost'))
      expect(lost.length).toBe(2)
      const detected = Math.min(...lost.map((l) => Number(l.t))) - killedAt
      const rehomedAt = Number(r[0].t) - killedAt
      expect(detected).toBeLessThanOrEqual(ttl * 1000 + 1000)
      expect(rehomedAt - detected).toBeLessThanOrEqual(2000)
      const ledger = await ledgerOf('lease')
      const rec = ledger.busInstances.find((b) => b.guid === bi)!
      expect(rec.host).toBe(r[0].by)
      expect(rec.orphaned).toBeUndefined()
      expect(held(ledger)).toHaveLength(2)
      await checkClean('lease', ['b', 'c'])
      // SIGTERM and SIGINT end an agent cleanly
      survivors[0].p.kill('SIGTERM')
      survivors[1].p.kill('SIGINT')
      expect(await Promise.all(survivors.map((s) => s.exited))).toEqual([0, 0])
      for (const s of survivors) expect(s.lines.at(-1)?.event).toBe('stopped')
    } finally {
      for (const x of agents) if (x.p.exitCode === null) x.p.kill('SIGKILL')
    }
  })

  it('watch streams allocations, frees, failures and moves as they happen, one JSON object per line, and ends on SIGINT', async () => {
    await asHost('watch', 'w1', ['pool', 'list'])
    const p = spawn(process.execPath, [bin, 'pool', 'watch', '--pool', etcd.uri('watch'), '--json'], {cwd: repoRoot, env: {...process.env, UBMGR_STATE_DIR: join(dir, 'watch', 'w'), UBMGR_POOL: ''}, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    p.stdout.on('data', (d: Buffer) => (out += d.toString()))
    p.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)))
    try {
      for (let i = 0; i < 100 && !err.includes('watching'); i++) await new Promise((r) => setTimeout(r, 50))
      const a = await asHost('watch', 'w1', ['pool', 'alloc', 'nic,bandwidth=5Gbit/s', '--json'])
      expect(a.exitCode, a.stderr).toBe(0)
      const bi = (JSON.parse(a.stdout) as {busInstanceGuid: string}).busInstanceGuid
      expect((await asHost('watch', 'w1', ['pool', 'free', bi])).exitCode).toBe(0)
      // a card failed by another host: its own slice moves at once, w1's stays (failed, held) for w1's agent
      const b = await asHost('watch', 'w1', ['pool', 'alloc', 'dpu,bandwidth=10Gbit/s', '--json'])
      const card = (JSON.parse(b.stdout) as {devices: Array<{card: string}>}).devices[0].card
      expect((await asHost('watch', 'w2', ['pool', 'alloc', 'dpu,bandwidth=10Gbit/s'])).exitCode).toBe(0)
      const f = await asHost('watch', 'w2', ['pool', 'fail', card, '--json'])
      expect(f.exitCode, f.stderr).toBe(0)
      const outcome = (JSON.parse(f.stdout) as {affected: Array<{outcome: string; why?: string}>}).affected
      expect(outcome).toEqual([expect.objectContaining({outcome: 'stranded', why: 'held by host w1: its agent re-homes it'}), expect.objectContaining({outcome: 'rehomed'})])
      await checkClean('watch', ['w1', 'w2'])
      expect((await asHost('watch', 'w2', ['pool', 'restore', card])).exitCode).toBe(0)
      for (let i = 0; i < 100 && !out.includes('"move"'); i++) await new Promise((r) => setTimeout(r, 50))
      p.kill('SIGINT')
      expect(await exited).toBe(0)
      const events = out.trim().split('\n').map((l) => JSON.parse(l) as {kind: string; subject: string})
      expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['alloc', 'free', 'fail', 'move']))
      expect(events.find((e) => e.kind === 'alloc')?.subject).toMatch(/^pool-nic-\d\/vfe\d$/)
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL')
    }
    await checkClean('watch', ['w1', 'w2'])
  })

  it('export → import → export moves a ledger between the embedded store and etcd byte for byte', async () => {
    const env = {UBMGR_STATE_DIR: join(dir, 'mig', 'emb'), UBMGR_POOL: ''}
    expect((await runCli(['pool', 'alloc', 'dpu,bandwidth=30Gbit/s', 'nic,bandwidth=5Gbit/s'], {env})).exitCode).toBe(0)
    const first = join(dir, 'mig', 'first.json')
    expect((await runCli(['pool', 'export', '-o', first], {env})).exitCode).toBe(0)
    const imp = await asHost('mig', 'x', ['pool', 'import', first])
    expect(imp.exitCode, imp.stderr).toBe(0)
    // join: the host's key under a lease of the TTL asked
    const j = await asHost('mig', 'x', ['pool', 'join', '--ttl', '30', '--json'])
    expect(j.exitCode, j.stderr).toBe(0)
    expect(JSON.parse(j.stdout)).toMatchObject({host: 'x', ttl: 30, lease: expect.stringMatching(/^\d+$/)})
    const fromEtcd = join(dir, 'mig', 'etcd.json')
    expect((await asHost('mig', 'x', ['pool', 'export', '-o', fromEtcd])).exitCode).toBe(0)
    expect(await readFile(fromEtcd, 'utf8')).toBe(await readFile(first, 'utf8'))
    // and back into a fresh embedded store
    const env2 = {UBMGR_STATE_DIR: join(dir, 'mig', 'emb2'), UBMGR_POOL: ''}
    const back = join(dir, 'mig', 'back.json')
    await asHost('mig', 'x', ['pool', 'export', '-o', back])
    expect((await runCli(['pool', 'import', back], {env: env2})).exitCode).toBe(0)
    const last = join(dir, 'mig', 'last.json')
    expect((await runCli(['pool', 'export', '-o', last], {env: env2})).exitCode).toBe(0)
    expect(await readFile(last, 'utf8')).toBe(await readFile(first, 'utf8'))
    // a ledger holding slices is not overwritten by accident
    const again = await asHost('mig', 'x', ['pool', 'import', first])
    expect(again.exitCode).toBe(1)
    expect(again.stderr).toBe('error: the target ledger holds 2 slice(s): --force replaces it')
    expect((await runCli(['pool', 'check'], {env})).exitCode).toBe(0)
  })

  it('an unreachable etcd: every pool command fails within the timeout, one line naming the endpoints, nothing changed', async () => {
    const dead = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`]
    const env = {UBMGR_STATE_DIR: join(dir, 'down'), UBMGR_POOL: `etcd://${dead.join(',')}/down`}
    for (const args of [['pool', 'alloc', 'dpu'], ['pool', 'list'], ['pool', 'check'], ['pool', 'export'], ['pool', 'join', '--host-id', 'z'], ['pool', 'agent', '--host-id', 'z'], ['pool', 'watch']]) {
      const t = Date.now()
      const r = await runCli([...args, '--etcd-timeout', '1500'], {env})
      const ms = Date.now() - t
      expect(r.exitCode, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(new RegExp(`^error: etcd at ${dead.join(',').replaceAll('.', '\\.')} did not answer within 1500 ms: [^\\n]+$`))
      expect(r.stdout).toBe('')
      // 1.5 s plus a process start on a busy 2-core machine
      expect(ms).toBeLessThan(6000)
    }
    // nothing was written locally either
    expect(await new EmbeddedStore('default', join(dir, 'down')).state.read('host')).toBeUndefined()
    // the real cluster is untouched by all this: the other scenarios' checks still pass
    await checkClean('conc', ['h1'])
  })

  it('watch and agent end cleanly on SIGINT/SIGTERM within seconds even after etcd went away', async () => {
    const lone = await EtcdCluster.start(1)
    try {
      const start = (args: string[]) => {
        const p = spawn(process.execPath, [bin, 'pool', ...args, '--pool', lone.uri('gone'), '--host-id', 'g'], {cwd: repoRoot, env: {...process.env, UBMGR_STATE_DIR: join(dir, 'gone'), UBMGR_POOL: ''}, stdio: ['ignore', 'pipe', 'pipe']})
        let err = ''
        p.stderr.on('data', (d: Buffer) => (err += d.toString()))
        return {p, err: () => err, exited: new Promise<number | null>((r) => p.once('exit', (c) => r(c)))}
      }
      const watch = start(['watch'])
      const agent = start(['agent', '--ttl', '2'])
      for (let i = 0; i < 200 && !watch.err().includes('watching'); i++) await new Promise((r) => setTimeout(r, 50))
      await new Promise((r) => setTimeout(r, 1500))
      await lone.kill(0)
      await new Promise((r) => setTimeout(r, 1500))
      const t = Date.now()
      watch.p.kill('SIGINT')
      agent.p.kill('SIGTERM')
      expect(await Promise.all([watch.exited, agent.exited])).toEqual([0, 0])
      expect(Date.now() - t).toBeLessThan(4000)
      expect(watch.err()).toMatch(/watch lost .*; reconnecting/)
    } finally {
      await lone.stop()
    }
  })
})
