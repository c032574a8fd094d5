// The fusion commands as users run them: sim io on a definition file and on a running domain (report fields,
// determinism, faults, bad input, SVG), fusion status/fail/restore, and a member attached and detached live.
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, tempDir} from './helpers/cli.js'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => ({dir, cleanup} = await tempDir()))
afterAll(() => cleanup())

const json = async (args: string[], env?: Record<string, string>) => {
  const r = await runCli([...args, '--json'], {env})
  expect(r.exitCode, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

describe('ubmgr sim io', () => {
  it('reports with the issue’s field names, the same for a seed, and the guest-visible alternatives', async () => {
    const args = ['sim', 'io', 'examples/fusion-blk-ap.yaml', '--faults', 'link-down:ssd-ctrl-a@10ms+50ms', '--ios', '20000', '--seed', '4']
    const a = await json(args)
    const b = await json(args)
    expect(a).toEqual(b)
    for (const key of ['detect_ms', 'switch_ms', 'interruption_ms', 'inflight_requeued', 'ios_lost', 'verify_failures', 'duplicates', 'latency_us', 'members'])
      expect(a).toHaveProperty(key)
    expect(a.members[0]).toHaveProperty('throughput_mbps')
    expect(a).toMatchObject({ios: 20000, ios_lost: 0, verify_failures: 0, duplicates: 0, detect_ms: 1, faults: ['link-down:ssd-ctrl-a@10ms+50ms']})
    expect(a.interruption_ms).toBeLessThan(38)
    expect(a.comparison.map((c: {mechanism: string; applicable: boolean}) => [c.mechanism, c.applicable])).toEqual([
      ['fusion active-passive', true],
      ['bond active-backup', false],
      ['dm-multipath', true],
    ])
    expect(a.comparison[2].interruption_ms).toBeGreaterThan(100 * a.interruption_ms)
  })

  it('net: random faults, packets lost counted, an SVG timeline with the faults marked', async () => {
    const svg = join(dir, 'net.svg')
    const r = await runCli(['sim', 'io', 'examples/fusion-net-aa.yaml', '--faults', 'random', '--ios', '30000', '--svg', svg])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^fnet0: virtio-net, active-active, policy weighted/)
    expect(r.stdout).toMatch(/packets_lost \d+ {2}reordered \d+/)
    expect(r.stdout).toContain('bond active-backup')
    const text = await readFile(svg, 'utf8')
    expect(text).toMatch(/^<svg/)
    expect(text).toContain('dpu-card-0')
    expect(text).toMatch(/fault|restored/)
  })

  it('refuses bad workload and fault items, one line each, exit 2', async () => {
    const r = await runCli(['sim', 'io', 'examples/fusion-blk-ap.yaml', '--workload', 'bs=3,speed=9', '--faults', 'link-down:nope@1ms,melt:0@1ms'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      "error: --workload: bs must be a multiple of 512 from 512 to 1M, e.g. 4k (got '3')",
      "error: --workload: unknown option 'speed' for virtio-blk (known: rw, rwmixread, bs, iodepth, rate_iops, blocks, nonidempotent)",
      "error: --faults: 'link-down:nope@1ms' needs a member: an index 0..1 or one of ssd-ctrl-a, ssd-ctrl-b",
      "error: --faults: unknown fault 'melt' in 'melt:0@1ms' (known: link-down, card-reset, slow, all-down, failback)",
    ])
    expect(r.stdout).toBe('')
  })

  it('all members down past the bound: requests fail clearly', async () => {
    const a = await json(['sim', 'io', 'examples/fusion-blk-ap.yaml', '--faults', 'all-down@5ms', '--no-path-retry', '20', '--ios', '5000'])
    expect(a.ios_lost).toBe(0)
    expect(a.ios_failed).toBeGreaterThan(0)
    expect(a.events.map((e: {kind: string}) => e.kind)).toContain('no-path-expired')
  })
})

describe('ubmgr fusion on a running domain', () => {
  it('status, fail, restore (failback manual), and a member attached and detached live', async () => {
    const env = {UBMGR_STATE_DIR: join(dir, 'state')}
    const run = (args: string[]) => runCli(args, {env})
    expect((await run(['define', 'examples/fusion-blk-ap.yaml'])).exitCode).toBe(0)
    expect((await run(['fusion', 'status', 'db-primary-02'])).stderr).toBe('error: Requested operation is not valid: domain is not running')
    expect((await run(['start', 'db-primary-02'])).exitCode).toBe(0)
    const [s0] = await json(['fusion', 'status', 'db-primary-02'], env)
    expect(s0).toMatchObject({device: 'fblk0', health: 'healthy', transport: 'ub', queues: 8})
    expect(s0.members.map((m: {state: string; queues: number}) => [m.state, m.queues])).toEqual([['up', 8], ['up', 0]])
    const fail = await run(['fusion', 'fail', 'db-primary-02', 'ssd-ctrl-a'])
    expect(fail.stdout).toBe('fblk0: ssd-ctrl-a down: 8 virtqueue(s) moved to ssd-ctrl-b')
    expect((await run(['fusion', 'fail', 'db-primary-02', 'ssd-ctrl-a'])).stderr).toBe('error: Requested operation is not valid: member ssd-ctrl-a of fblk0 is already down')
    const restore = await run(['fusion', 'restore', 'db-primary-02', 'ssd-ctrl-a'])
    expect(restore.stdout).toBe('fblk0: ssd-ctrl-a up, standby: traffic stays where it is (failback manual); move it with --failback')
    const [s1] = await json(['fusion', 'status', 'db-primary-02'], env)
    expect(s1.members.map((m: {state: string; queues: number}) => [m.state, m.queues])).toEqual([['standby', 0], ['up', 8]])
    expect(s1.queue_map[0]).toEqual({vq: 0, member: 'ssd-ctrl-b', queue: 0})
    // the data plane starts from the domain's state: the standby primary carries nothing
    const io = await json(['sim', 'io', 'db-primary-02', '--ios', '5000'], env)
    expect(io.members.map((m: {ios: number}) => m.ios)).toEqual([0, 5000])
    expect((await run(['fusion', 'restore', 'db-primary-02', 'ssd-ctrl-a', '--failback'])).stdout).toBe('fblk0: ssd-ctrl-a up: 8 virtqueue(s) moved to it (failback by operator)')
    expect((await run(['destroy', 'db-primary-02'])).exitCode).toBe(0)

    expect((await run(['define', 'examples/fusion-net-aa.yaml'])).exitCode).toBe(0)
    expect((await run(['start', 'gateway-aa-01'])).exitCode).toBe(0)
    const attach = await run(['attach-device', 'gateway-aa-01', 'test/fixtures/devices/fnet0-member.yaml', '--live'])
    expect(attach.exitCode, attach.stderr).toBe(0)
    const [s2] = await json(['fusion', 'status', 'gateway-aa-01'], env)
    expect(s2.members.map((m: {name: string}) => m.name)).toEqual(['dpu-card-0', 'dpu-card-1', 'dpu-card-2', 'dpu-card-3', 'pool-dpu-2'])
    expect(s2.members[4].queues).toBeGreaterThan(0)
    const detach = await run(['detach-device', 'gateway-aa-01', 'test/fixtures/devices/fnet0-member.yaml', '--live'])
    expect(detach.exitCode, detach.stderr).toBe(0)
    const [s3] = await json(['fusion', 'status', 'gateway-aa-01'], env)
    expect(s3.members).toHaveLength(4)
    expect((await run(['destroy', 'gateway-aa-01'])).exitCode).toBe(0)
  })
})
