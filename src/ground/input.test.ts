import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {readInput} from './input.js'

const dir = mkdtempSync(join(tmpdir(), 'ubmgr-input-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
const limit = {maxBytes: 8 * 1024 * 1024, what: 'a test input'}

describe('readInput', () => {
  it('a regular file larger than one chunk, byte for byte', async () => {
    const bytes = randomBytes(2.5 * 1024 * 1024 + 3)
    writeFileSync(join(dir, 'big'), bytes)
    expect((await readInput(join(dir, 'big'), limit)).equals(bytes)).toBe(true)
  })
  it('a small file, and an empty one', async () => {
    writeFileSync(join(dir, 'small'), 'name: x\n')
    writeFileSync(join(dir, 'empty'), '')
    expect((await readInput(join(dir, 'small'), limit)).toString()).toBe('name: x\n')
    expect((await readInput(join(dir, 'empty'), limit)).length).toBe(0)
  })
  it('a file whose reported size is 0 (procfs) is read to its end', async () => {
    const text = (await readInput('/proc/self/maps', limit)).toString()
    expect(text.length).toBeGreaterThan(0)
    expect(text.split('\n').length).toBeGreaterThan(5)
  })
  it('refused past the limit, counted in bytes read', async () => {
    writeFileSync(join(dir, 'over'), Buffer.alloc(1024 * 1024 + 1))
    await expect(readInput(join(dir, 'over'), {maxBytes: 1024 * 1024, what: 'a test input'})).rejects.toThrow('larger than 1 MiB: a test input is limited to 1048576 bytes')
  })
})
