// The pool model on the bundled host: ledger rules and errors, the kernel's pool-message checks, UBSE-shaped
// allocation and release with rollback, placement (locality, groups, refusals), rebalancing with hysteresis,
// fail/restore, reconciliation, and a compare-and-swap ledger store under contention.
import {beforeAll, describe, expect, it} from 'vitest'

import {loadHost} from '../sim/host/index.js'
import type {HostState} from '../sim/host/model.js'
import {alloc, free, ZERO_GUID, type AllocInput} from './alloc.js'
import {entityReg, entityRegFor, entityRls, ledgerFromHost, UB_MSG_RSP_EXEC_EINVAL, UB_MSG_RSP_EXEC_ENODEV} from './entity-reg.js'
import {PoolError} from './errors.js'
import {drainCard, failCard, restoreCard} from './failover.js'
import {changedCards, findCard, findSlice, freeOn, take, type Ledger} from './ledger.js'
import {LedgerConflict, retryOnConflict, type LedgerStore, type LedgerTx} from './ledger-store.js'
import {rebalance, utilization} from './rebalance.js'
import {reconcile} from './reconcile.js'

let host: HostState
let ledger: Ledger
beforeAll(async () => {
  host = await loadHost()
  ledger = ledgerFromHost(host).ledger
})

const dpu = (name: string, gbit: number, extra: object = {}) => ({name, class: 'dpu' as const, need: {bandwidthMbps: gbit * 1000, queues: 4, compute: 0}, ...extra})
const ok = <T>(o: {ok: boolean; error?: PoolError; result?: T}) => {
  if (!o.ok) throw o.error
  return o as {ok: true; result: T; ledger: Ledger; host: HostState}
}

describe('ledger from the host (ENTITY_REG of every pooled entity)', () => {
  it('has every pooled card with capacity, failure domain, class code and PFE/VFE slices', () => {
    expect(ledger.cards.map((c) => c.id)).toEqual(['pool-dpu-1', 'pool-dpu-2', 'pool-dpu-3', 'pool-dpu-4', 'pool-dpu-5', 'pool-nic-1', 'pool-nic-2', 'pool-nic-3', 'pool-nic-4', 'pool-ssd-1', 'pool-ssd-2'])
    const c = findCard(ledger, 'pool-dpu-3')
    expect(c).toMatchObject({class: 'dpu', vendor: 0xcc08, domain: {node: 'node1', slot: 1, chip: 0, die: 0}, capacity: {bandwidthMbps: 100000, queues: 16, compute: 8}, state: 'ok'})
    expect(c.classCode).toBe(host.entities.find((e) => e.guid === c.slices[0].guid)!.classCode)
    expect(c.slices.map((s) => [s.id, s.type, s.pf, s.vf])).toEqual([
      ['pool-dpu-3/pfe0', 'PFE', 0, undefined],
      ['pool-dpu-3/vfe0', 'VFE', 0, 0],
      ['pool-dpu-3/vfe1', 'VFE', 0, 1],
      ['pool-dpu-3/vfe2', 'VFE', 0, 2],
    ])
    expect(ledgerFromHost(host).unregistered).toEqual([])
  })

  it('refuses entities the kernel would refuse, with its words', () => {
    const h = structuredClone(host)
    const e = h.entities.find((x) => x.pool?.card === 'pool-nic-4' && x.pool.slice === 'vfe')!
    e.ers[2].size = '0x0'
    const r = ledgerFromHost(h)
    expect(r.unregistered).toEqual([{guid: e.guid, reason: 'ENTITY_REG refused: entity reg ers[2] size is 0'}])
    expect(findCard(r.ledger, 'pool-nic-4').slices).toHaveLength(1)
  })
})

describe('ENTITY_REG / ENTITY_RLS', () => {
  const pooled = () => host.entities.find((e) => e.pool)!
  it('checks eid, user eid, bus instance, GUID type and ERS sizes', () => {
    const h = structuredClone(host)
    const e = pooled()
    const msg = entityRegFor(e, e.instanceEid)
    const refused = (m: object) => {
      try {
        entityReg(h, {...msg, ...m})
      } catch (error) {
        return [(error as PoolError).message, (error as PoolError).status]
      }
      return 'accepted'
    }
    expect(refused({eid: 0})).toEqual([`ENTITY_REG: entity reg eid=0 u_eid=0x${msg.ueid.toString(16)} is invalid`, UB_MSG_RSP_EXEC_EINVAL])
    expect(refused({ueid: 0x12345})).toEqual(['ENTITY_REG: entity reg u_eid=0x12345 not exist', UB_MSG_RSP_EXEC_EINVAL])
    expect(refused({guid: e.guid.replace(/^(\w{4}-\w{4}-\w)-1-/, '$1-2-')})).toEqual(['ENTITY_REG: entity reg guid type 2 is invalid', UB_MSG_RSP_EXEC_EINVAL])
    expect(refused({ers: [{sa: '0x0', ss: 1}, {sa: '0x0', ss: 0}, {sa: '0x0', ss: 1}]})).toEqual(['ENTITY_REG: entity reg ers[1] size is 0', UB_MSG_RSP_EXEC_EINVAL])
    const plain = h.entities.find((x) => !x.pool && x.kind === 'device')!
    expect(refused({eid: plain.eid})).toEqual([`ENTITY_REG: Entity with eid=0x${plain.eid.toString(16).padStart(3, '0')} is not a pool device`, UB_MSG_RSP_EXEC_EINVAL])
    expect(refused({})).toBe('accepted')
  })

  it('ENTITY_RLS refuses an unknown eid and a device that is not pooled', () => {
    const h = structuredClone(host)
    expect(() => entityRls(h, 0xfffff)).toThrow('ENTITY_RLS: can not find ub entity by eid=0xfffff')
    try {
      entityRls(h, 0xfffff)
    } catch (error) {
      expect((error as PoolError).status).toBe(UB_MSG_RSP_EXEC_ENODEV)
    }
    expect(() => entityRls(h, h.entities.find((x) => !x.pool && x.kind === 'device')!.eid)).toThrow('ENTITY_RLS: ub entity is not a pooled device')
  })
})

describe('slice rules', () => {
  it('a PFE holds the card whole; no VFE while it is held, no PFE while a VFE is', () => {
    const l = structuredClone(ledger)
    const c = findCard(l, 'pool-dpu-1')
    const [pfe, vfe0, vfe1] = c.slices
    take(c, vfe0, {busInstance: 'x'}, {bandwidthMbps: 10000, queues: 2, compute: 0})
    expect(() => take(c, pfe, {busInstance: 'y'}, {bandwidthMbps: 0, queues: 0, compute: 0})).toThrow('slice pool-dpu-1/pfe0 is the card\'s PFE: 1 other slice(s) of pool-dpu-1 are held')
    expect(() => take(c, vfe0, {busInstance: 'y'}, {bandwidthMbps: 0, queues: 0, compute: 0})).toThrow('slice pool-dpu-1/vfe0 is allocated (held by bus instance x)')
    expect(() => take(c, vfe1, {busInstance: 'y'}, {bandwidthMbps: 95000, queues: 1, compute: 0})).toThrow('card pool-dpu-1 has 90Gbit/s, 14 queues, 8 cores free, 95Gbit/s, 1 queues asked')
    const d = findCard(l, 'pool-dpu-2')
    take(d, d.slices[0], {busInstance: 'z'}, {bandwidthMbps: 1, queues: 1, compute: 0})
    expect(freeOn(d).bandwidthMbps).toBe(0)
    expect(() => take(d, d.slices[1], {busInstance: 'y'}, {bandwidthMbps: 0, queues: 0, compute: 0})).toThrow('card pool-dpu-2 is held whole through its PFE by bus instance z')
    expect(changedCards(ledger, l)).toEqual(['pool-dpu-1', 'pool-dpu-2'])
  })

  it('nothing is taken from a failed or draining card', () => {
    const l = drainCard(ledger, 'pool-dpu-1')
    const c = findCard(l, 'pool-dpu-1')
    expect(() => take(c, c.slices[1], {busInstance: 'x'}, {bandwidthMbps: 0, queues: 0, compute: 0})).toThrow('card pool-dpu-1 is draining: nothing can be allocated from it')
  })
})

describe('alloc and free (UBSE-shaped)', () => {
  const input = (requests: AllocInput['requests'], extra: Partial<AllocInput> = {}): AllocInput => ({busInstanceGuid: 'new', upi: 0x12, requests, ...extra})

  it('a new bus instance, devices placed locally first, then free destroys the bus instance', () => {
    const a = ok(alloc(ledger, host, input([dpu('d0', 50), dpu('d1', 50)])))
    expect(a.result.busInstanceGuid).toBe('cc08-b000-0-0-000000-0000000000000001')
    expect(a.result.createdBusInstance).toBe(true)
    expect(a.result.devices.map((d) => [d.card, d.type, d.node, d.ubsType])).toEqual([
      ['pool-dpu-1', 'VFE', 'node0', 4],
      ['pool-dpu-1', 'VFE', 'node0', 4],
    ])
    expect({tid: a.result.tid, uba: a.result.uba, size: a.result.size}).toEqual({tid: 0, uba: '0x0', size: '0x0'})
    const bi = a.host.instances.find((i) => i.guid === a.result.busInstanceGuid)!
    expect(bi).toMatchObject({type: 2, upi: 0x12})
    for (const d of a.result.devices) expect(a.host.entities.find((e) => e.guid === d.guid)!.instanceEid).toBe(bi.eid)
    expect(reconcile(a.ledger, a.host, []).problems).toEqual([])
    const f = ok(free(a.ledger, a.host, {busInstanceGuid: a.result.busInstanceGuid}))
    expect(f.result.freed.map((x) => x.slice)).toEqual(['pool-dpu-1/vfe0', 'pool-dpu-1/vfe1'])
    expect(f.result.destroyedBusInstance).toBe(true)
    expect(f.ledger.cards).toEqual(ledger.cards.map((c) => ({...c, revision: c.id === 'pool-dpu-1' ? c.revision + 4 : c.revision})))
    expect(f.host).toEqual(host)
  })

  it('refuses with what was asked, what is free and the nearest fit', () => {
    const r = alloc(ledger, host, input([dpu('big', 150)]))
    expect(r.ok).toBe(false)
    const e = (r as {error: PoolError}).error
    expect(e.message).toBe('no free pooled dpu satisfies big (asked 150Gbit/s, 4 queues)')
    expect(e.hints).toEqual([
      'free: 5 of 5 dpu cards have a free slice, 500Gbit/s in all',
      'nearest fit: pool-dpu-1 (100Gbit/s, 16 queues, 8 cores free; short 50Gbit/s)',
      'no single dpu card has 150Gbit/s: a fusion device over several cards can',
    ])
    expect(alloc(ledger, host, input([dpu('x', 1)], {upi: 0x7fff}))).toMatchObject({ok: false, error: {message: 'upi 32767 out of range [1, 31766]'}})
  })

  it('rolls back every step when one in the middle fails', () => {
    // the third request finds nothing; BI_CREATE and two ENTITY_REGs were done and are undone in reverse
    const r = alloc(ledger, host, input([dpu('a', 100), dpu('b', 100), dpu('c', 100, {vendor: 0x1234})]))
    expect(r.ok).toBe(false)
    expect(r.events.map((e) => e.step)).toEqual(['BI_CREATE', 'record', 'take', 'ENTITY_REG', 'take', 'ENTITY_REG', 'error', 'rollback', 'rollback', 'rollback', 'rollback', 'rollback', 'rollback'])
    expect(r.host).toEqual(host)
    expect(r.ledger.cards).toEqual(ledger.cards)
    expect(r.ledger.busInstances).toEqual([])
    // a refusal by the kernel's checks in the middle is undone the same way
    const h = structuredClone(host)
    const victim = h.entities.find((e) => e.guid === findCard(ledger, 'pool-dpu-1').slices[2].guid)!
    victim.ers[1].size = '0x0'
    const k = alloc(ledger, h, input([dpu('a', 10), dpu('b', 10)]))
    expect(k).toMatchObject({ok: false, error: {message: 'ENTITY_REG: entity reg ers[1] size is 0', status: UB_MSG_RSP_EXEC_EINVAL}})
    expect(k.host).toEqual(h)
    expect(k.ledger.cards).toEqual(ledger.cards)
  })

  it('groups never share a card and spread across failure domains', () => {
    const a = ok(alloc(ledger, host, input([dpu('m0', 10, {group: 'g'}), dpu('m1', 10, {group: 'g'}), dpu('m2', 10, {group: 'g'}), dpu('solo', 10)])))
    const cards = a.result.devices.map((d) => d.card)
    expect(new Set(cards.slice(0, 3)).size).toBe(3)
    expect(a.result.devices.slice(0, 3).map((d) => `${d.node}/${d.slot}`)).toEqual(['node0/1', 'node0/2', 'node1/1'])
    expect(cards[3]).toBe('pool-dpu-1')
  })

  it('free refuses what a VM holds and slices the bus instance does not hold', () => {
    const a = ok(alloc(ledger, host, input([dpu('d0', 10)], {vm: 'vm1'})))
    const bi = a.result.busInstanceGuid
    expect(free(a.ledger, a.host, {busInstanceGuid: bi})).toMatchObject({ok: false, error: {message: 'pool-dpu-1/vfe0 is held by VM vm1 (d0): detach-device or destroy frees it'}})
    expect(free(a.ledger, a.host, {busInstanceGuid: bi, devices: ['pool-dpu-2/vfe0'], vm: 'vm1'})).toMatchObject({ok: false, error: {message: `bus instance ${bi} holds no pooled device pool-dpu-2/vfe0`}})
    expect(free(a.ledger, a.host, {busInstanceGuid: ZERO_GUID})).toMatchObject({ok: false, error: {message: `bus instance ${ZERO_GUID} holds no pooled devices`}})
  })
})

describe('rebalance', () => {
  function loaded(loads: Record<string, number>): {ledger: Ledger; host: HostState} {
    let l = ledger
    let h = host
    for (const [name, gbit] of Object.entries(loads)) {
      const a = ok(alloc(l, h, {busInstanceGuid: 'new', requests: [dpu(name, 10)]}))
      l = a.ledger
      h = a.host
      findSlice(l, a.result.devices[0].slice).slice.loadMbps = gbit * 1000
    }
    return {ledger: l, host: h}
  }

  it('moves the heaviest slice off a hot card, says why, and does nothing more on a second run', () => {
    const s = loaded({a: 50, b: 30, c: 15})
    expect(utilization(findCard(s.ledger, 'pool-dpu-1'))).toBeCloseTo(0.95)
    const r = rebalance(s.ledger, s.host, {now: 0})
    expect(r.moves.map((m) => [m.from, m.toCard])).toEqual([['pool-dpu-1/vfe0', 'pool-dpu-2']])
    expect(r.moves[0].reason).toBe('pool-dpu-1 at 95% > 80% high watermark: bus instance cc08-b000-0-0-000000-0000000000000001 (50Gbit/s, 4 queues) → pool-dpu-2 (0% → 50%); pool-dpu-1 → 45%')
    expect(reconcile(r.ledger, r.host, []).problems).toEqual([])
    expect(rebalance(r.ledger, r.host, {now: 1}).moves).toEqual([])
  })

  it('hysteresis: a slice moved within the cooldown stays, even when its new card gets hot', () => {
    const s = loaded({a: 50, b: 30, c: 15})
    const first = rebalance(s.ledger, s.host, {now: 0})
    const moved = findSlice(first.ledger, first.moves[0].to).slice
    // the load swings: the destination is now the hot card
    moved.loadMbps = 60_000
    const soon = rebalance(first.ledger, first.host, {now: 30 * 60_000, policy: {high: 0.5}})
    expect(soon.moves).toEqual([])
    expect(soon.stuck).toEqual([{card: 'pool-dpu-2', utilization: 0.6, why: 'every slice on it moved less than 60 min ago, or it is held whole'}])
    const later = rebalance(first.ledger, first.host, {now: 61 * 60_000, policy: {high: 0.5}})
    expect(later.moves).toHaveLength(1)
    expect(later.moves[0].from).toBe(moved.id)
  })

  it('a move must be worth it and must not make a new hot card', () => {
    const s = loaded({a: 41, b: 41})
    // pool-dpu-1 at 82%: moving either slice would be fine, but cap the target so no card can take 41 Gbit/s
    const r = rebalance(s.ledger, s.host, {now: 0, policy: {target: 0.3}})
    expect(r.moves).toEqual([])
    expect(r.stuck[0].why).toContain('no dpu card would stay at or below 30% with 41Gbit/s more')
    const small = loaded({a: 78, b: 3})
    expect(rebalance(small.ledger, small.host, {now: 0, policy: {high: 0.8, minGainPct: 5}}).stuck[0].why).toContain('under the 5-point minimum gain')
  })

  it('empties a draining card', () => {
    const s = loaded({a: 5, b: 5})
    const r = rebalance(drainCard(s.ledger, 'pool-dpu-1'), s.host, {now: 0})
    expect(r.moves.map((m) => m.reason.split(':')[0])).toEqual(['pool-dpu-1 is draining', 'pool-dpu-1 is draining'])
    expect(findCard(r.ledger, 'pool-dpu-1').slices.every((x) => !x.owner)).toBe(true)
  })
})

describe('fail and restore', () => {
  it('re-homes what fits, strands the rest, leaves every other card alone, and restore gives stranded slices back', () => {
    let l = ledger
    let h = host
    const hold = (requests: AllocInput['requests']) => {
      const a = ok(alloc(l, h, {busInstanceGuid: 'new', requests, vm: 'v'}))
      l = a.ledger
      h = a.host
      return a.result
    }
    hold([dpu('x', 60)])
    hold([dpu('y', 30)])
    // fill every other dpu card so only 45 Gbit/s are free elsewhere
    for (const c of ['pool-dpu-2', 'pool-dpu-3', 'pool-dpu-4', 'pool-dpu-5']) {
      const card = findCard(l, c)
      take(card, card.slices[3], {busInstance: 'filler'}, {bandwidthMbps: c === 'pool-dpu-2' ? 55000 : 100000, queues: 1, compute: 0})
    }
    const before = structuredClone(l)
    const r = failCard(l, h, 'pool-dpu-1', {now: 5})
    expect(r.affected.map((a) => [a.slice, a.outcome, a.to])).toEqual([
      ['pool-dpu-1/vfe0', 'stranded', undefined],
      ['pool-dpu-1/vfe1', 'rehomed', 'pool-dpu-2/vfe0'],
    ])
    expect(r.affected[0].why).toBe(
      'no free pooled dpu satisfies x (asked 60Gbit/s, 4 queues, vendor 0xcc08); free: 4 of 5 dpu cards have a free slice, 45Gbit/s in all; pool-dpu-1 failed; nearest fit: pool-dpu-2 (45Gbit/s, 15 queues, 8 cores free; short 15Gbit/s)',
    )
    expect(r.detectMs).toBe(100)
    const failed = findCard(r.ledger, 'pool-dpu-1')
    expect(failed.state).toBe('failed')
    expect(failed.slices.map((s) => [s.state, s.owner?.device])).toEqual([['failed', undefined], ['failed', 'x'], ['failed', undefined], ['failed', undefined]])
    for (const c of ['pool-dpu-3', 'pool-dpu-4', 'pool-dpu-5', 'pool-nic-1']) expect(findCard(r.ledger, c)).toEqual(findCard(before, c))
    expect(() => take(failed, failed.slices[2], {busInstance: 'q'}, {bandwidthMbps: 0, queues: 0, compute: 0})).toThrow('card pool-dpu-1 is failed')
    const back = restoreCard(r.ledger, 'pool-dpu-1')
    expect(back.recovered).toEqual([{slice: 'pool-dpu-1/vfe0', label: 'v/x'}])
    expect(findCard(back.ledger, 'pool-dpu-1').slices.map((s) => s.state)).toEqual(['free', 'allocated', 'free', 'free'])
    expect(() => restoreCard(back.ledger, 'pool-dpu-1')).toThrow('card pool-dpu-1 is not failed or draining')
    expect(() => failCard(l, h, 'nope', {now: 0})).toThrow("no card 'nope' in the pool")
  })
})

describe('reconcile (pool check)', () => {
  it('finds leaks on every side', () => {
    const a = ok(alloc(ledger, host, {busInstanceGuid: 'new', requests: [dpu('d0', 10)], vm: 'vm1'}))
    const bi = a.result.busInstanceGuid
    const guid = a.result.devices[0].guid
    const running = {name: 'vm1', running: true, live: {name: 'vm1', vcpus: 1, memory: '1GiB', ub: {busInstance: {guid: bi, type: 'dynamic-server' as const}, devices: [{name: 'd0', host: {guid}}]}}}
    expect(reconcile(a.ledger, a.host, [running]).problems).toEqual([])
    expect(reconcile(a.ledger, a.host, [{...running, running: false, live: null}]).problems).toEqual([{kind: 'leak', subject: 'pool-dpu-1/vfe0', message: "held by vm1/d0, but domain 'vm1' is not running"}])
    const other = {...running, name: 'vm2'}
    expect(reconcile(a.ledger, a.host, [running, other]).problems.map((p) => p.kind)).toEqual(['leak', 'double'])
    // the host has the entity back home but the ledger still holds it
    const h = structuredClone(a.host)
    entityRls(h, a.result.devices[0].eid)
    expect(reconcile(a.ledger, h, [running]).problems[0]).toMatchObject({kind: 'mismatch', subject: 'pool-dpu-1/vfe0'})
    // the ledger forgot but the host still has it registered
    expect(reconcile(ledger, a.host, []).problems.map((p) => p.message)).toEqual([`registered into bus instance ${bi} with no allocation in the ledger`])
  })
})

describe('a compare-and-swap ledger store (what the etcd implementation does)', () => {
  /** Per-card revisions compared at commit, like etcd's mod_revision on per-card keys. */
  class MemoryCasStore implements LedgerStore {
    constructor(private committed: Ledger) {}
    async read() {
      return structuredClone(this.committed)
    }
    async transaction<T>(fn: (tx: LedgerTx) => Promise<T>): Promise<T> {
      return retryOnConflict(async () => {
        const seen = structuredClone(this.committed)
        let staged: Ledger | undefined
        const result = await fn({read: async () => structuredClone(seen), write: (next) => (staged = next)})
        await new Promise((r) => setTimeout(r, Math.random() * 3))
        if (staged) {
          const changed = changedCards(seen, staged)
          const stale = changed.filter((id) => findCard(this.committed, id).revision !== findCard(seen, id).revision)
          if (stale.length > 0 || this.committed.revision !== seen.revision) throw new LedgerConflict(stale)
          this.committed = staged
        }
        return result
      }, 64)
    }
  }

  it('16 concurrent allocations for the same cards never share a slice', async () => {
    const store = new MemoryCasStore(ledger)
    const h = host
    const results = await Promise.all(
      Array.from({length: 16}, (_, i) =>
        store.transaction(async (tx) => {
          const a = alloc((await tx.read())!, h, {busInstanceGuid: 'new', requests: [dpu(`d${i}`, 20)]})
          if (!a.ok) return undefined
          tx.write(a.ledger)
          return a.result.devices[0].slice
        }),
      ),
    )
    const got = results.filter((r): r is string => r !== undefined)
    expect(new Set(got).size).toBe(got.length)
    // 5 cards × 100 Gbit/s hold 25 slices of 20 Gbit/s but only 15 VFEs: 15 succeed, 1 is refused
    expect(got).toHaveLength(15)
    const final = (await store.read())!
    expect(final.cards.flatMap((c) => c.slices.filter((s) => s.owner)).length).toBe(15)
  })
})
