// The code cache only ever costs or saves time: a missing, damaged, stale or unwritable cache still runs
// the bundle, and a rebuilt bundle replaces the caches of the old one. Each case is a node process that
// loads a small bundle through dist/entry/code-cache.js (built by `npm test`'s pretest), as bin/run.js does.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {afterEach, beforeEach, expect, it} from 'vitest'

const loader = pathToFileURL(join(import.meta.dirname, '../../dist/entry/code-cache.js')).href
let dir: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ubmgr-code-cache-'))
})
afterEach(() => rmSync(dir, {recursive: true, force: true}))

/** Loads `bundle` for command `cmd` in a fresh node; prints what its answer() returns (or "none"). */
function run(bundle: string, env: Record<string, string> = {}, cmd = 'list'): string {
  const script = `const {loadBundle} = await import(${JSON.stringify(loader)}); const m = loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(cmd)}); console.log(m ? m.answer() : 'none')`
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {env: {...process.env, UBMGR_CACHE_DIR: join(dir, 'cache'), ...env}}).toString().trim()
}

const caches = () => readdirSync(join(dir, 'cache')).filter((f) => f.endsWith('.v8'))

function writeBundle(answer: number): string {
  const file = join(dir, 'bundle.cjs')
  // enough functions for V8 to have something to cache
  const body = Array.from({length: 50}, (_, i) => `function f${i}(x) { return x + ${i} }`).join('\n')
  writeFileSync(file, `${body}\nexports.answer = () => f0(${answer})\n`)
  return file
}

it('writes a cache per command on the first run and uses it after', () => {
  const bundle = writeBundle(42)
  expect(run(bundle)).toBe('42')
  expect(caches()).toHaveLength(1)
  expect(caches()[0]).toMatch(/^fast-path-list-v\d+/)
  const first = readFileSync(join(dir, 'cache', caches()[0]))
  expect(run(bundle)).toBe('42')
  expect(readFileSync(join(dir, 'cache', caches()[0]))).toEqual(first)
  expect(run(bundle, {}, 'define')).toBe('42')
  expect(caches()).toHaveLength(2)
})

it('a damaged cache is refused by V8, the bundle still runs and the cache is written anew', () => {
  const bundle = writeBundle(7)
  run(bundle)
  const file = join(dir, 'cache', caches()[0])
  writeFileSync(file, Buffer.alloc(4096, 0x5a))
  expect(run(bundle)).toBe('7')
  expect(readFileSync(file).equals(Buffer.alloc(4096, 0x5a))).toBe(false)
})

it('a rebuilt bundle runs as rebuilt and the old caches go', async () => {
  run(writeBundle(1))
  run(writeBundle(1), {}, 'start')
  const old = caches()
  await new Promise((r) => setTimeout(r, 20)) // a new mtime
  rmSync(join(dir, 'bundle.cjs'))
  const rebuilt = writeBundle(123)
  expect(run(rebuilt)).toBe('123')
  expect(caches()).toHaveLength(1)
  expect(old).not.toContain(caches()[0])
})

it('an unusable cache directory, or UBMGR_CODE_CACHE=0, only costs the cache', () => {
  const bundle = writeBundle(5)
  const notADir = join(dir, 'file')
  writeFileSync(notADir, '')
  expect(run(bundle, {UBMGR_CACHE_DIR: notADir})).toBe('5')
  expect(run(bundle, {UBMGR_CODE_CACHE: '0'})).toBe('5')
  expect(() => readdirSync(join(dir, 'cache'))).toThrow()
})

it('no bundle: the loader says so and oclif runs everything', () => {
  expect(run(join(dir, 'missing.cjs'))).toBe('none')
})
