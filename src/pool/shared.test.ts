// A shared (etcd) ledger as pure functions: each host checks only its own allocations against its host state;
// a lost host's bus instances are marked orphaned once and adopted with their slices where they were; a commit
// is described slice by slice (a release and a take of one owner is a move); the etcd URI and an imported ledger
// are checked; the ledger assembled from its keys comes back in the embedded ledger's order.
import {beforeAll, describe, expect, it} from 'vitest'

import {loadHost} from '../sim/host/index.js'
import type {HostState} from '../sim/host/model.js'
import {alloc} from './alloc.js'
import {ledgerFromHost} from './entity-reg.js'
import {assemble, ledgerKeys, parseEtcdUri} from './etcd-ledger.js'
import {findCard, type Ledger} from './ledger.js'
import {failCard} from './failover.js'
import {rebalance} from './rebalance.js'
import {adoptOrphans, checkLedgerDocument, claimNew, describeCommit, dropForeign, localView, markOrphaned, reconcileShared, rehomeStranded} from './shared.js'

let host: HostState
let ledger: Ledger
beforeAll(async () => {
  host = await loadHost()
  ledger = ledgerFromHost(host).ledger
})

const dpu = (gbit: number) => ({name: 'd', class: 'dpu' as const, need: {bandwidthMbps: gbit * 1000, queues: 2, compute: 0}})

/** Host `id` allocates on its own copy of the host state. */
function allocAs(l: Ledger, h: HostState, id: string, gbit = 10) {
  const a = alloc(l, h, {busInstanceGuid: 'new', requests: [dpu(gbit)]})
  if (!a.ok) throw a.error
  claimNew(l, a.ledger, id)
  return a
}

describe('a shared ledger, host by host', () => {
  it('each host checks its own allocations; the other hosts’ count for capacity only', () => {
    const a = allocAs(ledger, host, 'a')
    const b = allocAs(a.ledger, host, 'b')
    expect(b.ledger.busInstances.map((x) => x.host)).toEqual(['a', 'b'])
    // host b's state knows only its own registration; a plain reconcile would call a's slice a leak
    expect(reconcileShared(b.ledger, b.host, [], 'b').problems).toEqual([])
    expect(reconcileShared(b.ledger, a.host, [], 'a').problems).toEqual([])
    const view = localView(b.ledger, 'b')
    expect(view.busInstances.map((x) => x.host)).toEqual(['b'])
    expect(view.cards.flatMap((c) => c.slices.filter((s) => s.owner)).length).toBe(1)
    // capacity rules still see every host's share
    const over = structuredClone(b.ledger)
    findCard(over, 'pool-dpu-1').capacity.bandwidthMbps = 5000
    expect(reconcileShared(over, b.host, [], 'b').problems.map((p) => p.kind)).toContain('capacity')
  })

  it('a lost host’s bus instances are marked orphaned once and adopted, slices where they were', () => {
    const a = allocAs(ledger, host, 'a')
    const m = markOrphaned(a.ledger, 'a', 'c', 1000)!
    expect(m.busInstances).toEqual([a.ledger.busInstances[0].guid])
    // a second agent finds nothing left to mark
    expect(markOrphaned(m.ledger, 'a', 'b', 1001)).toBeUndefined()
    // only the agent named adopts
    expect(adoptOrphans(m.ledger, host, 'b', 1500).adopted).toEqual([])
    const got = adoptOrphans(m.ledger, host, 'c', 1500)
    expect(got.adopted).toEqual([{busInstance: m.busInstances[0], from: 'a', slices: [{slice: 'pool-dpu-1/vfe0', label: `bus instance ${m.busInstances[0]}`}], afterMs: 500}])
    expect(got.ledger.busInstances[0]).toMatchObject({host: 'c'})
    expect(got.ledger.busInstances[0].orphaned).toBeUndefined()
    expect(got.ledger.revision).toBe(m.ledger.revision + 1)
    // c's own state now has the bus instance and the slice in it: its check is clean
    expect(reconcileShared(got.ledger, got.host, [], 'c', new Set(['c'])).problems).toEqual([])
    // an orphan whose agent is gone too is reported
    expect(reconcileShared(m.ledger, host, [], 'b', new Set(['b'])).problems.map((p) => p.message)).toEqual([`orphaned by host a; agent c, which was to re-home it, is gone too`])
  })

  it('a card failed by another host: this host’s stranded slices move when its agent looks; a returning host drops what was re-homed', () => {
    const a = allocAs(ledger, host, 'a')
    const b = allocAs(a.ledger, host, 'b')
    // b fails the card: its own slice moves, a's stays (b's state does not have it), failed and held
    const f = failCard(b.ledger, b.host, 'pool-dpu-1', {now: 0})
    expect(f.affected.map((x) => x.outcome)).toEqual(['stranded', 'rehomed'])
    expect(reconcileShared(f.ledger, a.host, [], 'a').problems).toEqual([])
    // b has nothing stranded; a's agent moves a's slice, on a's state
    expect(rehomeStranded(f.ledger, f.host, 'b', 1).moves).toEqual([])
    const r = rehomeStranded(f.ledger, a.host, 'a', 1)
    expect(r.moves.map((m) => [m.from, m.to])).toEqual([['pool-dpu-1/vfe0', 'pool-dpu-2/vfe1']])
    expect(reconcileShared(r.ledger, r.host, [], 'a').problems).toEqual([])
    expect(reconcileShared(r.ledger, f.host, [], 'b').problems).toEqual([])
    // a was lost meanwhile and c adopted its bus instance: back, a releases it from its own state
    const m = markOrphaned(r.ledger, 'a', 'c', 2)!
    const c = adoptOrphans(m.ledger, host, 'c', 3)
    expect(reconcileShared(c.ledger, r.host, [], 'a').problems.map((p) => p.kind)).toEqual(['leak'])
    const d = dropForeign(c.ledger, r.host, 'a')
    expect(d.dropped).toEqual([c.ledger.busInstances[0].guid])
    expect(reconcileShared(c.ledger, d.host, [], 'a').problems).toEqual([])
    expect(dropForeign(c.ledger, d.host, 'a').dropped).toEqual([])
  })

  it('rebalance on a shared ledger moves only this host’s slices', () => {
    const a = allocAs(ledger, host, 'a', 30)
    const b = allocAs(a.ledger, host, 'b', 30)
    for (const s of findCard(b.ledger, 'pool-dpu-1').slices) if (s.owner) s.loadMbps = 45_000
    const mine = (id: string) => (s: {owner?: {busInstance: string}}) => b.ledger.busInstances.find((x) => x.guid === s.owner!.busInstance)!.host === id
    const plan = rebalance(b.ledger, b.host, {now: 0, movable: mine('b')})
    expect(plan.moves.map((m) => m.from)).toEqual(['pool-dpu-1/vfe1'])
    const none = rebalance(b.ledger, b.host, {now: 0, policy: {high: 0.3}, movable: () => false})
    expect(none.moves).toEqual([])
    expect(none.stuck[0].why).toBe("its slices are other hosts' (their own pool rebalance moves them)")
  })

  it('describes a commit slice by slice: allocations, frees, failures, moves, orphans', () => {
    const a = allocAs(ledger, host, 'a')
    const card = (l: Ledger, id: string) => findCard(l, id)
    const allocs = describeCommit('7', [{before: card(ledger, 'pool-dpu-1'), after: card(a.ledger, 'pool-dpu-1')}], {before: ledger.busInstances, after: a.ledger.busInstances})
    expect(allocs).toEqual([expect.objectContaining({revision: '7', kind: 'alloc', subject: 'pool-dpu-1/vfe0'})])
    // the same owner leaving one slice for another in one commit is a move
    const moved = structuredClone(a.ledger)
    const from = card(moved, 'pool-dpu-1').slices[1]
    const to = card(moved, 'pool-dpu-2').slices[1]
    Object.assign(to, {state: 'allocated', owner: from.owner, reserved: from.reserved})
    Object.assign(from, {state: 'free', owner: undefined, reserved: undefined})
    const m = describeCommit('8', [
      {before: card(a.ledger, 'pool-dpu-1'), after: card(moved, 'pool-dpu-1')},
      {before: card(a.ledger, 'pool-dpu-2'), after: card(moved, 'pool-dpu-2')},
    ], {before: a.ledger.busInstances, after: moved.busInstances})
    expect(m.map((c) => [c.kind, c.from, c.to])).toEqual([['move', 'pool-dpu-1/vfe0', 'pool-dpu-2/vfe0']])
    const failed = structuredClone(ledger)
    card(failed, 'pool-nic-1').state = 'failed'
    expect(describeCommit('9', [{before: card(ledger, 'pool-nic-1'), after: card(failed, 'pool-nic-1')}], {before: [], after: []})[0]).toMatchObject({kind: 'fail', subject: 'pool-nic-1'})
    const o = markOrphaned(a.ledger, 'a', 'c', 1)!
    expect(describeCommit('10', [], {before: a.ledger.busInstances, after: o.ledger.busInstances})[0]).toMatchObject({kind: 'orphaned', from: 'a'})
  })
})

describe('etcd keys and documents', () => {
  it('parses etcd://HOST:PORT[,HOST:PORT…][/prefix]', () => {
    expect(parseEtcdUri('etcd://10.0.0.1:2379')).toEqual({endpoints: ['10.0.0.1:2379'], prefix: '/ubmgr'})
    expect(parseEtcdUri('etcd://a:1,b.example:2379,[::1]:3/sn1/')).toEqual({endpoints: ['a:1', 'b.example:2379', '[::1]:3'], prefix: '/sn1'})
    for (const bad of ['etcd://', 'http://a:1', 'etcd://a', 'etcd://a:99999', 'etcd://a:1,,b:2', 'etcd://a b:1']) expect(() => parseEtcdUri(bad), bad).toThrow(/--pool/)
  })

  it('assembles the ledger from its keys in the embedded ledger’s order, whatever order etcd returns them in', () => {
    const keys = ledgerKeys('/p')
    const meta = {version: 1, revision: ledger.revision, fabric: ledger.fabric, nextBusInstance: ledger.nextBusInstance, cards: ledger.cards.map((c) => c.id), busInstances: ledger.busInstances, txn: 'x'}
    const kv = (key: string, value: unknown, rev: number) => ({key: Buffer.from(key), value: Buffer.from(JSON.stringify(value)), mod_revision: String(rev), create_revision: '1', version: '1', lease: '0'})
    const kvs = [...ledger.cards].reverse().map((c, i) => kv(keys.card(c.id), c, 10 + i))
    kvs.push(kv(keys.meta, meta, 5))
    const snap = assemble(kvs, keys)
    expect(JSON.stringify(snap.ledger)).toBe(JSON.stringify(ledger))
    expect(snap.metaRev).toBe('5')
    expect(snap.cardRevs.get(ledger.cards.at(-1)!.id)).toBe('10')
    expect(() => assemble(kvs.slice(1), keys)).toThrow(/damaged/)
  })

  it('refuses an import that is not a ledger', () => {
    expect(checkLedgerDocument(structuredClone(ledger))).toEqual(ledger)
    expect(() => checkLedgerDocument([])).toThrow('not a pool ledger: not a JSON object')
    expect(() => checkLedgerDocument({...ledger, version: 2})).toThrow('version 2')
    expect(() => checkLedgerDocument({...ledger, cards: [ledger.cards[0], ledger.cards[0]]})).toThrow('twice')
    expect(() => checkLedgerDocument({...ledger, cards: [{...ledger.cards[0], id: '../x'}]})).toThrow('card id')
  })
})
