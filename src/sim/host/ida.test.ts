import {describe, expect, it} from 'vitest'

import {Ida} from './ida.js'

describe('Ida (ida_alloc_range)', () => {
  it('hands out the lowest free id, skipping those taken, and reuses a freed one first', () => {
    const ida = new Ida(1, 100, [2, 4, 0, 101])
    expect([ida.alloc(), ida.alloc(), ida.alloc()]).toEqual([1, 3, 5])
    ida.free(3)
    ida.free(50) // never taken: nothing changes
    expect([ida.alloc(), ida.alloc()]).toEqual([3, 6])
  })
  it('-ENOSPC when the range is full, until an id is freed', () => {
    const ida = new Ida(5, 6)
    expect([ida.alloc(), ida.alloc(), ida.alloc()]).toEqual([5, 6, -28])
    ida.free(5)
    expect(ida.alloc()).toBe(5)
  })
  it('stays exact past its first bitmap words, with ids taken far up the range', () => {
    const ida = new Ida(1, 0xffffff, [5000, 0xfffff0])
    const got = Array.from({length: 5001}, () => ida.alloc())
    expect(got[4998]).toBe(4999)
    expect(got[4999]).toBe(5001)
    expect(new Set(got).size).toBe(5001)
    ida.free(4000)
    expect(ida.alloc()).toBe(4000)
  })
})
