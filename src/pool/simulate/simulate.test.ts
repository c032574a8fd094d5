// pool simulate's parts: trace readers on small samples in the real formats, the synthetic trace, the oracle's
// packing, the load-driven strategy (the chart is tested in src/cli/pool-simulate.test.ts).
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {simulate} from './index.js'
import {FirstFit, packStep} from './oracle.js'
import {detectFormat, readTrace} from './readers.js'
import {DynamicPool} from './strategies.js'
import {matrixTrace, syntheticTrace} from './trace.js'

const fixtures = 'test/fixtures/traces'
const read = {stepSeconds: 300, cardMbps: 100_000, vmsPerServer: 2}
let dir: string
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'ubmgr-trace-'))))
afterAll(() => rm(dir, {recursive: true, force: true}))

describe('trace readers', () => {
  it('detects the format from the first line', () => {
    expect(detectFormat('m_1932,386640,41,92,,,,,', 'f')).toBe('alibaba-machine-usage')
    expect(detectFormat('Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ]', 'f')).toBe('bitbrains')
    expect(() => detectFormat('time,value', 'x.csv')).toThrow('x.csv: not a trace ubmgr reads')
  })

  it('reads Alibaba machine_usage: one server per machine, max(net_in, net_out) % of a card, averaged per step', async () => {
    const t = await readTrace(join(fixtures, 'machine_usage.csv'), read)
    expect(t).toMatchObject({format: 'alibaba-machine-usage', vms: 3, servers: 3, steps: 24})
    const row = new Float64Array(3)
    t.demandAt(0, row)
    // m_1932 at 0..240 s: net_in 10, net_out 8 → 10% of 100 Gbit/s
    expect(row[0]).toBeCloseTo(10_000)
    expect(row[1]).toBeCloseTo(13_000)
    t.demandAt(23, row)
    // t = 6900..7140 s: net_in 10 + 11 = 21, net_out 8 + 7 = 15
    expect(row[0]).toBeCloseTo(21_000)
    expect(Array.from(t.serverOf)).toEqual([0, 1, 2])
  })

  it('reads a Bitbrains directory: one VM per file, max(received, transmitted) KB/s, VMs put on servers in order', async () => {
    const t = await readTrace(join(fixtures, 'bitbrains'), read)
    expect(t).toMatchObject({format: 'bitbrains', vms: 3, servers: 2, steps: 24, files: 3})
    const row = new Float64Array(3)
    t.demandAt(1, row)
    expect(row[0]).toBeCloseTo((1050 * 1024 * 8) / 1e6)
    expect(row[2]).toBeCloseTo((3050 * 1024 * 8) / 1e6)
    expect(Array.from(t.serverOf)).toEqual([0, 0, 1])
  })

  it('says what is wrong with a bad file, naming the line', async () => {
    const bad = join(dir, 'bad.csv')
    await writeFile(bad, 'm_1,0,1,1,,,5,5,1\nm_1,x,1,1,,,5,5,1\n')
    await expect(readTrace(bad, read)).rejects.toThrow(`${bad}:2: time_stamp 'x' is not a number`)
    const mixed = join(dir, 'mixed')
    await (await import('node:fs/promises')).mkdir(mixed)
    await writeFile(join(mixed, '1.csv'), 'm_1,0,1,1,,,5,5,1\n')
    await writeFile(join(mixed, '2.csv'), 'Timestamp [ms];\tCPU cores;\n')
    await expect(readTrace(mixed, read)).rejects.toThrow('a alibaba-machine-usage trace cannot mix formats')
    const long = join(dir, 'long.csv')
    await writeFile(long, 'm_1,0,1,1,,,5,5,1\n' + 'x'.repeat(70_000) + '\n')
    await expect(readTrace(long, read)).rejects.toThrow(`${long}:2: line longer than 65536 bytes`)
  })
})

describe('the synthetic trace', () => {
  it('repeats for a seed, differs between seeds, and starts over at step 0', () => {
    const a = syntheticTrace({servers: 10, vms: 100, days: 1, seed: 3})
    const b = syntheticTrace({servers: 10, vms: 100, days: 1, seed: 3})
    const c = syntheticTrace({servers: 10, vms: 100, days: 1, seed: 4})
    const rows = (t: typeof a) => [0, 1, 2].map((s) => (t.demandAt(s, new Float64Array(100)), Array.from(((r) => (t.demandAt(s, r), r))(new Float64Array(100)))))
    const x = rows(a)
    expect(rows(b)).toEqual(x)
    expect(rows(c)).not.toEqual(x)
    expect(rows(a)).toEqual(x)
  })
})

describe('the oracle', () => {
  it('first-fit decreasing packs every item, never overfills, and lies between the lower bound and 11/9 of it + 1', () => {
    const ff = new FirstFit(10)
    const items = Float64Array.from([6, 5, 5, 4, 4, 3, 2, 1])
    expect(packStep(items, 10, ff, new Float64Array(items.length))).toEqual({lower: 3, ffd: 3})
    for (let b = 0; b < ff.used; b++) expect(ff.room(b)).toBeGreaterThanOrEqual(0)
    const random = Float64Array.from({length: 500}, (_, i) => ((i * 7919) % 97) / 10)
    const r = packStep(random, 10, ff, new Float64Array(500))
    const sum = random.reduce((a, b) => a + b, 0)
    const rooms = Array.from({length: ff.used}, (_, b) => ff.room(b))
    expect(rooms.reduce((a, b) => a + (10 - b), 0)).toBeCloseTo(sum)
    expect(r.ffd).toBeGreaterThanOrEqual(r.lower)
    expect(r.ffd).toBeLessThanOrEqual(Math.ceil((11 / 9) * r.lower + 1))
    // an item larger than a card takes whole cards first
    expect(packStep(Float64Array.from([25, 3]), 10, ff, new Float64Array(2))).toEqual({lower: 3, ffd: 3})
  })
})

describe('load-driven pooling', () => {
  it('sheds a hot card’s slice, respects the cooldown, and gives cards back only after the hold', () => {
    const pool = new DynamicPool(4, 100, {high: 0.9, target: 0.8, low: 0.5, holdSteps: 3, cooldownSteps: 4})
    pool.place(Float64Array.from([40, 30, 20, 5]))
    expect(pool.activeCount).toBe(2)
    // slice 3 grows: its card goes above 90% and the smallest slice that cures it moves
    pool.control(1, Float64Array.from([40, 30, 20, 30]))
    expect(pool.moves).toBe(1)
    // the load swings back at once: within the cooldown nothing moves back
    pool.control(2, Float64Array.from([40, 30, 20, 5]))
    pool.control(3, Float64Array.from([40, 30, 20, 5]))
    expect(pool.moves).toBe(1)
    // the fleet is far below the low watermark, but a card is given back only after 3 steps of it
    const small = Float64Array.from([5, 5, 5, 5])
    pool.control(6, small)
    pool.control(7, small)
    expect(pool.activeCount).toBeGreaterThan(1)
    pool.control(8, small)
    expect(pool.activeCount).toBe(1)
  })

  it('on a small synthetic fleet: better than fixed cards, near the oracle, few moves, little unmet', () => {
    const r = simulate(syntheticTrace({servers: 100, vms: 1000, days: 2, seed: 7}))
    expect(r.dynamic.meanUtil / r.fixed.meanUtil).toBeGreaterThan(3)
    expect(r.peak.meanUtil).toBeGreaterThan(r.fixed.meanUtil)
    expect(r.dynamic.cards).toBeGreaterThanOrEqual(r.oracle.cards)
    expect(r.oracle.cards).toBeGreaterThanOrEqual(r.oracle.lowerBound)
    expect(r.dynamic.unmetPct).toBeLessThan(1)
    expect(r.dynamic.movesPerSliceHour).toBeLessThan(1)
    expect(Object.keys(r.summary)).toEqual(['fixed_util', 'pooled_peak_util', 'dynamic_util', 'dynamic_cards', 'oracle_cards', 'unmet_demand_pct', 'moves'])
  })

  it('a server whose demand exceeds its card: fixed leaves it unmet, pooling spreads it', () => {
    // two servers, one VM each: 150% and 10% of a card, steady
    const t = matrixTrace({name: 'two', steps: 4, stepSeconds: 300, cardMbps: 100, vms: 2, servers: 2, serverOf: Int32Array.from([0, 1]), demand: Float32Array.from([150, 10, 150, 10, 150, 10, 150, 10]), compute: {base: 0.1, perLoad: 0.7}})
    const r = simulate(t)
    expect(r.fixed.unmetPct).toBeCloseTo((50 / 160) * 100)
    expect(r.trace.slices).toBe(4)
    expect(r.oracle.cards).toBe(2)
    expect(r.dynamic.unmetPct).toBe(0)
  })
})
