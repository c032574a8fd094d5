// The life-cycle verbs on a super-node's shared pool ($UBMGR_POOL=etcd://…), against a real etcd: VMs of two
// hosts starting at once get distinct slices, a bus instance of another host is refused, destroy and live
// detach give back only this host's slices, `pool check` is clean on both hosts, and an unreachable etcd fails
// start in bounded time with one line, changing nothing.
import {writeFile} from 'node:fs/promises'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {examples, runCli, tempDir} from './helpers/cli.js'
import {EtcdCluster} from './helpers/etcd.js'
import {freePort} from './helpers/libvirtd.js'

let etcd: EtcdCluster
let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({dir, cleanup} = await tempDir('ubmgr-etcd-life-'))
  etcd = await EtcdCluster.start(1)
}, 60_000)
afterAll(async () => {
  await etcd?.stop()
  await cleanup?.()
})

const on = (host: string, args: string[], pool = etcd.uri('/life')) => runCli(args, {env: {UBMGR_STATE_DIR: join(dir, host), UBMGR_POOL: pool, UBMGR_HOST_ID: host}})

interface ShownSlice {
  id: string
  owner?: {vm: string; busInstance: string}
}

describe('start, destroy and live attach/detach on a shared pool', () => {
  it('two hosts get distinct slices; another host’s bus instance is refused; destroy gives back only this host’s', async () => {
    const pooled = join(examples, 'pooled.yaml')
    const own = join(dir, 'pooled-b.yaml')
    await writeFile(own, readFileSync(pooled, 'utf8').replaceAll('0000000000002563', '0000000000002564'))
    expect((await on('a', ['define', pooled])).exitCode).toBe(0)
    expect((await on('b', ['define', pooled])).exitCode).toBe(0)
    const [a, b] = await Promise.all([on('a', ['start', 'tenant-a-web-3']), on('b', ['start', 'tenant-a-web-3'])])
    // both ask for the same bus instance: exactly one host gets it, the other is told whose it is
    const refused = [a, b].filter((r) => r.exitCode !== 0)
    expect(refused).toHaveLength(1)
    const loser = a.exitCode === 0 ? 'b' : 'a'
    const winner = loser === 'a' ? 'b' : 'a'
    expect(refused[0].stderr).toBe(
      `error: bus instance cc08-a000-0-0-000000-0000000000002563 belongs to host ${winner} in the shared pool, not to ${loser}: give this VM a bus instance of its own`,
    )
    expect((await on(loser, ['define', own])).exitCode).toBe(0)
    expect((await on(loser, ['start', 'tenant-a-web-3'])).exitCode).toBe(0)
    const shown = JSON.parse((await on('a', ['pool', 'show', '--json'])).stdout) as {cards: Array<{slices: ShownSlice[]}>}
    const held = shown.cards.flatMap((c) => c.slices).filter((s) => s.owner)
    expect(held).toHaveLength(4)
    expect(new Set(held.map((s) => s.owner!.busInstance)).size).toBe(2)
    for (const h of ['a', 'b']) expect((await on(h, ['pool', 'check'])).exitCode, `pool check on ${h}`).toBe(0)
    // the loser's VM has the same name as the winner's: destroy on the winner frees only the winner's slices
    expect((await on(winner, ['destroy', 'tenant-a-web-3'])).exitCode).toBe(0)
    const after = JSON.parse((await on('a', ['pool', 'show', '--json'])).stdout) as {cards: Array<{slices: ShownSlice[]}>}
    const still = after.cards.flatMap((c) => c.slices).filter((s) => s.owner)
    expect(still.map((s) => s.owner!.busInstance)).toEqual(['cc08-a000-0-0-000000-0000000000002564', 'cc08-a000-0-0-000000-0000000000002564'])
    for (const h of ['a', 'b']) expect((await on(h, ['pool', 'check'])).exitCode, `pool check on ${h}`).toBe(0)
    expect((await on(loser, ['destroy', 'tenant-a-web-3'])).exitCode).toBe(0)
    const empty = JSON.parse((await on('a', ['pool', 'show', '--json'])).stdout) as {cards: Array<{slices: ShownSlice[]}>}
    expect(empty.cards.flatMap((c) => c.slices).filter((s) => s.owner)).toEqual([])
  }, 120_000)

  it('an unreachable etcd: start fails in bounded time with one line naming it, and changes nothing', async () => {
    const port = await freePort()
    const dead = `etcd://127.0.0.1:${port}/life`
    expect((await on('c', ['define', join(examples, 'pooled.yaml')], dead)).exitCode).toBe(0)
    const t = Date.now()
    const r = await runCli(['start', 'tenant-a-web-3'], {env: {UBMGR_STATE_DIR: join(dir, 'c'), UBMGR_POOL: dead, UBMGR_HOST_ID: 'c', UBMGR_ETCD_TIMEOUT: '1000'}})
    expect(Date.now() - t).toBeLessThan(10_000)
    expect(r.stderr).toMatch(new RegExp(`^error: etcd at 127\\.0\\.0\\.1:${port} did not answer within 1000 ms: .+$`))
    expect(r.exitCode).toBe(1)
    expect((await runCli(['domstate', 'tenant-a-web-3'], {env: {UBMGR_STATE_DIR: join(dir, 'c')}})).stdout).toBe('shut off')
  }, 60_000)
})
