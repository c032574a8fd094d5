// The data plane: no request lost, none run twice where that matters, every read verified, under random
// fault schedules (property); each fault kind in each mode; failback policies; detection; net loss and
// reordering; and that the counters do count when something goes wrong (blind resend, a stale read).
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {simulateIo, type IoOptions} from './dataplane.js'
import {defaultDetection} from './detection.js'
import type {Fault} from './faults.js'
import type {FusionSpec, QueuePolicy} from './model.js'
import {BlockStore, defaultWorkload, type BlockWorkload, type NetWorkload} from './workload.js'

function device(n: number, mode: FusionSpec['mode'], policy: QueuePolicy = 'round-robin', over: Partial<FusionSpec> = {}, bw: number[] = []): FusionSpec {
  return {
    name: 'f0',
    kind: 'virtio-blk',
    mode,
    policy,
    failback: 'immediate',
    queues: 8,
    members: Array.from({length: n}, (_, i) => ({
      name: `card${i}`,
      card: `card${i}`,
      weight: 1,
      role: mode === 'active-passive' ? (i === 0 ? 'primary' : 'secondary') : undefined,
      bandwidthMBps: bw[i] ?? 3200,
      latencyUs: 80,
      hopUs: 5,
      queues: 8,
    })),
    ...over,
  }
}

const block: BlockWorkload = {...(defaultWorkload('virtio-blk') as BlockWorkload), iodepth: 8, blocks: 1 << 14, nonIdempotent: 20}
const run = (spec: FusionSpec, faults: Fault[], o: Partial<IoOptions> = {}, w = block) => simulateIo(spec, w, {ios: 20_000, seed: 7, faults, ...o})
const clean = (r: ReturnType<typeof run>) => ({lost: r.lost, verifyFailures: r.verifyFailures, duplicates: r.duplicates, finished: r.completed + r.failed})

describe('fusion data plane', () => {
  it('no request lost, none duplicated, every read verified under random fault schedules (property)', () => {
    const fault = fc.record({
      kind: fc.constantFrom<Fault['kind']>('link-down', 'card-reset', 'slow', 'all-down'),
      member: fc.nat(3),
      atUs: fc.integer({min: 0, max: 15_000}),
      durationUs: fc.integer({min: 500, max: 20_000}),
    })
    fc.assert(
      fc.property(
        fc.integer({min: 2, max: 4}),
        fc.constantFrom<FusionSpec['mode']>('active-active', 'active-passive'),
        fc.constantFrom<QueuePolicy>('round-robin', 'weighted', 'queue-depth', 'service-time'),
        fc.constantFrom<FusionSpec['failback']>('immediate', 'manual', {afterSeconds: 0.005}),
        fc.constantFrom<'event' | 'polling'>('event', 'polling'),
        fc.integer({min: 1, max: 1 << 30}),
        fc.array(fault, {maxLength: 6}),
        (n, mode, policy, failback, method, seed, raw) => {
          const faults: Fault[] = raw.map((f) => ({
            kind: f.kind,
            member: f.kind === 'all-down' ? undefined : f.member % n,
            atUs: f.atUs,
            durationUs: f.kind === 'card-reset' ? 100_000 : f.durationUs,
            factor: f.kind === 'slow' ? 4 : undefined,
          }))
          const detection = {...defaultDetection(method), intervalUs: 2000}
          const r = run(device(n, mode, policy, {failback}), faults, {ios: 4000, seed, detection})
          expect(clean(r)).toEqual({lost: 0, verifyFailures: 0, duplicates: 0, finished: 4000})
          expect(r.failed).toBe(0) // every outage here is shorter than the 5 s no-path bound
          expect(r.reads).toBeGreaterThan(0)
        },
      ),
      {numRuns: 150},
    )
  })

  for (const mode of ['active-active', 'active-passive'] as const) {
    describe(mode, () => {
      it('link down: detected by event, switched, the in-flight requests settled, traffic back after failback', () => {
        const r = run(device(2, mode), [{kind: 'link-down', member: 0, atUs: 5000, durationUs: 10_000}])
        expect(clean(r)).toEqual({lost: 0, verifyFailures: 0, duplicates: 0, finished: 20_000})
        expect(r.losses).toHaveLength(1)
        expect(r.losses[0]).toMatchObject({kind: 'link-down', member: 'card0', at_ms: 5, detect_ms: 1})
        expect(r.losses[0].inflight_taken).toBeGreaterThan(0)
        expect(r.requeued + r.fromLog).toBe(r.losses[0].inflight_taken)
        expect(r.losses[0].interruption_ms).toBeGreaterThan(1)
        expect(r.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['fault', 'detected', 'switched', 'restored', 'failback']))
        expect(r.members[0].ios).toBeGreaterThan(0)
        expect(r.members[1].ios).toBeGreaterThan(0)
      })

      it('card reset (ELR): down for the reset, back by itself', () => {
        const r = run(device(2, mode), [{kind: 'card-reset', member: 1, atUs: 3000, durationUs: 10_000}])
        expect(clean(r)).toEqual({lost: 0, verifyFailures: 0, duplicates: 0, finished: 20_000})
        const restored = r.events.find((e) => e.kind === 'restored')!
        expect(restored.t_us).toBe(13_000)
        expect(r.losses[0]).toMatchObject({kind: 'card-reset', member: 'card1'})
      })

      it('all members down: requests wait and complete once a member is back', () => {
        const r = run(device(2, mode), [{kind: 'all-down', atUs: 4000, durationUs: 30_000}])
        expect(clean(r)).toEqual({lost: 0, verifyFailures: 0, duplicates: 0, finished: 20_000})
        expect(r.failed).toBe(0)
        expect(r.events.some((e) => e.kind === 'no-path')).toBe(true)
        expect(r.latencyUs.max).toBeGreaterThan(30_000)
      })

      it('all members down past the bound: requests fail clearly, none is lost', () => {
        const r = run(device(2, mode), [{kind: 'all-down', atUs: 4000}], {options: {noPathRetryUs: 50_000}})
        expect(r.lost).toBe(0)
        expect(r.failed).toBeGreaterThan(0)
        expect(r.completed + r.failed).toBe(20_000)
        expect(r.verifyFailures).toBe(0)
        expect(r.events.find((e) => e.kind === 'no-path-expired')!.detail).toMatch(/^no member came back within 50 ms: \d+ request\(s\) failed with EIO$/)
      })
    })
  }

  it('slow card, active-active: a load-aware policy moves virtqueues off it, round-robin does not', () => {
    const w = {...block, rateIops: 900_000, iodepth: 64}
    const faults: Fault[] = [{kind: 'slow', member: 0, atUs: 2000, factor: 8}]
    const qd = run(device(4, 'active-active', 'queue-depth'), faults, {ios: 40_000}, w)
    const rr = run(device(4, 'active-active', 'round-robin'), faults, {ios: 40_000}, w)
    expect(clean(qd)).toEqual({lost: 0, verifyFailures: 0, duplicates: 0, finished: 40_000})
    expect(qd.remaps).toBeGreaterThan(0)
    expect(qd.members[0].queues).toBeLessThan(2)
    expect(rr.members[0].queues).toBe(2)
    expect(qd.latencyUs.p99).toBeLessThan(rr.latencyUs.p99)
    expect(qd.losses).toEqual([]) // a slow card is not a lost card
  })

  it('slow card, active-passive: no failover (the link is up), the guest sees the slowness', () => {
    const fast = run(device(2, 'active-passive'), [])
    const slow = run(device(2, 'active-passive'), [{kind: 'slow', member: 0, atUs: 0, factor: 4}])
    expect(slow.losses).toEqual([])
    expect(slow.members[1].ios).toBe(0)
    expect(slow.iops).toBeLessThan(fast.iops / 3)
  })

  describe('failback', () => {
    const fault: Fault[] = [{kind: 'link-down', member: 0, atUs: 2000, durationUs: 3000}]
    const primaryBack = (r: ReturnType<typeof run>) => r.events.find((e) => e.kind === 'failback' && e.member === 0)
    it('immediate: the primary takes over again right after it is back', () => {
      const r = run(device(2, 'active-passive'), fault)
      expect(primaryBack(r)!.t_us).toBe(5000 + 1000 + 100) // restore + event + FAILBACK_REQ/RESP
      expect(r.members[0].queues).toBe(8)
    })
    it('manual: the primary waits as a standby until an operator fails back', () => {
      const spec = device(2, 'active-passive', 'round-robin', {failback: 'manual'})
      const r = run(spec, fault)
      expect(primaryBack(r)).toBeUndefined()
      expect(r.members.map((m) => m.view)).toEqual(['standby', 'up'])
      expect(r.members[1].queues).toBe(8)
      const op = run(spec, [...fault, {kind: 'failback', atUs: 9000}])
      expect(primaryBack(op)!.t_us).toBe(9100)
      expect(op.members[0].queues).toBe(8)
    })
    it('after N s: back once it has been up that long', () => {
      const r = run(device(2, 'active-passive', 'round-robin', {failback: {afterSeconds: 0.004}}), fault, {ios: 40_000})
      expect(primaryBack(r)!.t_us).toBe(5000 + 1000 + 4000 + 100)
    })
    it('a standby takes over when the active member fails, whatever the failback policy', () => {
      const r = run(device(2, 'active-passive', 'round-robin', {failback: 'manual'}), [...fault, {kind: 'link-down', member: 1, atUs: 8000, durationUs: 2000}])
      expect(clean(r)).toEqual({lost: 0, verifyFailures: 0, duplicates: 0, finished: 20_000})
      expect(r.events.find((e) => e.kind === 'failback' && e.member === 0)!.detail).toMatch(/takes over/)
    })
  })

  it('polling detection waits for the monitor tick (miimon), event detection does not', () => {
    const f: Fault[] = [{kind: 'link-down', member: 0, atUs: 10_000, durationUs: 200_000}]
    const ev = run(device(2, 'active-passive'), f)
    const poll = run(device(2, 'active-passive'), f, {detection: {...defaultDetection('polling'), downDelayUs: 200_000}})
    expect(ev.losses[0].detect_ms).toBe(1)
    expect(poll.losses[0].detect_ms).toBeGreaterThan(200)
    expect(poll.losses[0].detect_ms).toBeLessThanOrEqual(300)
    expect(poll.losses[0].interruption_ms!).toBeGreaterThan(ev.losses[0].interruption_ms!)
  })

  it('net: packets on a failed card are lost, a moved flow can reorder, nothing without faults', () => {
    const net: NetWorkload = {kind: 'net', pps: 2_000_000, size: 1500, ring: 4096}
    const spec = {...device(2, 'active-active'), kind: 'virtio-net' as const}
    const calm = run(spec, [], {}, net)
    expect([calm.packetsLost, calm.reordered, calm.packetsDelivered]).toEqual([0, 0, 20_000])
    const hit = run(spec, [{kind: 'link-down', member: 0, atUs: 3000, durationUs: 2000}], {}, net)
    expect(hit.packetsLost).toBeGreaterThan(0)
    expect(hit.packetsDelivered + hit.packetsLost).toBe(20_000)
    expect(hit.losses[0].interruption_ms).toBeGreaterThan(1)
  })

  it('blind resend (dm-multipath requeue) runs non-idempotent writes twice; exactly-once does not', () => {
    const w = {...block, rw: 'randwrite' as const, nonIdempotent: 100}
    const spec = {...device(2, 'active-active'), members: device(2, 'active-active').members.map((m) => ({...m, hopUs: 40}))}
    const faults: Fault[] = [0, 1, 2, 3].map((i) => ({kind: 'link-down' as const, member: i % 2, atUs: 2000 + i * 4000, durationUs: 1000}))
    const blind = run(spec, faults, {resolution: 'blind-requeue'}, w)
    const once = run(spec, faults, {}, w)
    expect(blind.duplicates).toBeGreaterThan(0)
    expect(once.duplicates).toBe(0)
    expect(once.fromLog).toBeGreaterThan(0)
  })

  it('is deterministic for a seed', () => {
    const f: FusionSpec = device(3, 'active-active', 'queue-depth')
    const a = run(f, 'random' as never, {seed: 11})
    const b = run(f, 'random' as never, {seed: 11})
    const c = run(f, 'random' as never, {seed: 12})
    expect(a).toEqual(b)
    expect(c.faults).not.toEqual(a.faults)
  })

  it('active-active scales with equal cards', () => {
    const w = {...block, iodepth: 32, blocks: 1 << 16}
    const one = run({...device(1, 'active-active'), queues: 16}, [], {ios: 40_000}, w).throughputMBps
    const four = run({...device(4, 'active-active'), queues: 16}, [], {ios: 40_000}, w).throughputMBps
    expect(four / one).toBeGreaterThan(3.8)
  })
})

describe('fio verify model', () => {
  it('passes the last acknowledged write, fails a stale one, accepts anything after a failed write', () => {
    const s = new BlockStore(8, 1)
    expect(s.verifyRead(3, s.read(3))).toBe(true) // the prefill
    s.write(3, 10)
    s.acknowledge(3, 10, true)
    const fresh = s.read(3)
    s.write(3, 11) // executed, but the guest never saw it complete…
    s.acknowledge(3, 11, true)
    expect(s.verifyRead(3, fresh)).toBe(false) // …so the old data is stale
    expect(s.verifyRead(3, {...s.read(3), crc: 0})).toBe(false) // a corrupt header
    s.acknowledge(3, 12, false)
    expect(s.verifyRead(3, fresh)).toBe(true)
    expect(s.verifyFailures).toBe(2)
  })
})
