// The queue map's invariants under any order of member losses and returns: every virtqueue on an enabled,
// healthy member while one is up; per-member counts within one virtqueue of their share for equal weights;
// active-passive on the best-priority member.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {disableMember, enableMember, placeAll, rebalanceStep, type Placement} from './policies.js'
import {newQueueMap, queueCounts, queueMapProblems, target} from './queue-map.js'

const placement = (members: number, mode: Placement['mode'], policy: Placement['policy'] = 'round-robin', weights?: number[]): Placement => ({
  mode,
  policy,
  weights: weights ?? new Array(members).fill(1),
  priority: [...Array(members).keys()],
})

describe('queue map', () => {
  it('gives every virtqueue a queue on every member (ubagg slave table)', () => {
    const map = newQueueMap(10, [4, 16])
    expect(map.slaves[9]).toEqual([1, 9])
    map.enabled = [0, 1]
    placeAll(map, placement(2, 'active-active'))
    expect(target(map, 3)).toEqual({member: 1, queue: 3})
    expect(queueCounts(map, 2)).toEqual([5, 5])
  })

  it('weighted placement follows the weights', () => {
    const map = newQueueMap(32, [16, 16, 8, 8])
    map.enabled = [0, 1, 2, 3]
    const p = placement(4, 'active-active', 'weighted', [2, 2, 1, 1])
    placeAll(map, p)
    expect(queueCounts(map, 4)).toEqual([11, 11, 5, 5])
    expect(queueMapProblems(map, [true, true, true, true], {weights: p.weights})).toEqual([])
  })

  it('reports a virtqueue left on a down member, and an unbalanced layout', () => {
    const map = newQueueMap(4, [4, 4])
    map.enabled = [0, 1]
    map.active = [0, 0, 0, 1]
    expect(queueMapProblems(map, [false, true])).toEqual([
      'virtqueue 0 is on member 0, which is down',
      'virtqueue 1 is on member 0, which is down',
      'virtqueue 2 is on member 0, which is down',
    ])
    expect(queueMapProblems(map, [true, true], {weights: [1, 1]})).toHaveLength(2)
  })

  it('holds its invariants under any sequence of losses and returns (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 2, max: 8}),
        fc.integer({min: 1, max: 64}),
        fc.constantFrom<Placement['mode']>('active-active', 'active-passive'),
        fc.array(fc.tuple(fc.boolean(), fc.nat(7)), {maxLength: 30}),
        (members, queues, mode, ops) => {
          const p = placement(members, mode)
          const map = newQueueMap(queues, new Array(members).fill(8))
          map.enabled = [...Array(members).keys()]
          placeAll(map, p)
          const healthy = new Array(members).fill(true)
          for (const [down, i] of ops) {
            const m = i % members
            if (down === healthy[m]) {
              healthy[m] = !down
              if (down) disableMember(map, m, p)
              else enableMember(map, m, p)
            }
            expect(queueMapProblems(map, healthy, mode === 'active-active' ? {weights: p.weights} : undefined)).toEqual([])
            if (mode === 'active-passive' && map.enabled.length > 0) expect(new Set(map.active)).toEqual(new Set([map.enabled[0]]))
          }
        },
      ),
      {numRuns: 300},
    )
  })

  it('rebalancing moves a virtqueue from the busiest member to the idlest, only when it helps', () => {
    const map = newQueueMap(8, [8, 8])
    map.enabled = [0, 1]
    placeAll(map, placement(2, 'active-active'))
    // member 1 is four times as loaded: each of its virtqueues carries 4, member 0's carry 1
    const perQueue = (vq: number) => (map.active[vq] === 1 ? 4 : 1)
    const load = () => [0, 1].map((m) => map.active.reduce((s, x, vq) => s + (x === m ? perQueue(vq) : 0), 0))
    const move = rebalanceStep(map, load(), (vq) => perQueue(vq))
    expect(move).toMatchObject({from: 1, to: 0})
    expect(queueCounts(map, 2)).toEqual([5, 3])
    // balanced loads: no move
    map.active = [0, 1, 0, 1, 0, 1, 0, 1]
    expect(rebalanceStep(map, [4, 4], () => 1)).toBeUndefined()
  })
})
