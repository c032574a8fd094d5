import {describe, expect, it} from 'vitest'

import {ErsWindow} from './ers.js'

describe('ERS placement', () => {
  it('non-empty ERS one after another from the window, at least a page apart; empty ones at 0', () => {
    const w = new ErsWindow()
    expect(w.place([0x100000, 0, 0x10])).toEqual([
      {size: '0x100000', sa: '0x2c00000000', ubba: '0x0'},
      {size: '0x0', sa: '0x0', ubba: '0x0'},
      {size: '0x10', sa: '0x2c00100000', ubba: '0x0'},
    ])
    expect(w.place([0x1000])[0].sa).toBe('0x2c00101000')
  })
  it('addresses whose low digits are zeros print every digit', () => {
    const w = new ErsWindow()
    w.place([0x1000000 - 0x2c00000000 + 2 ** 40])
    expect(w.place([0x1000]).map((e) => e.sa)).toEqual(['0x10001000000'])
    expect(w.place([0x1000]).map((e) => e.sa)).toEqual(['0x10001001000'])
  })
  it('stays exact past 2^53, where a double has no odd integers', () => {
    const w = new ErsWindow()
    w.place([2 ** 53])
    const at = 0x2c00000000n + 2n ** 53n
    expect(w.place([0x1001, 0x1000]).map((e) => e.sa)).toEqual(['0x' + at.toString(16), '0x' + (at + 0x1001n).toString(16)])
  })
})
