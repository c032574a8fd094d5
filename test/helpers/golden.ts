// Expectation files (golden XML, the invalid corpus' .expected lines) and the committed list of their
// SHA-256 sums, test/expectations.sha256 (sha256sum format). A test compares its output with the file AND
// the file with the list, so an expectation changes only by two steps a reviewer sees: UPDATE_GOLDEN=1
// rewrites the files (and the tests that rewrote one fail, naming it), then `npm run golden:accept`
// records the new sums. A run with UPDATE_GOLDEN=1 can therefore never pass by writing its own
// expectations. UBMGR_EXPECTATIONS names another list (the guard test uses a doctored copy).
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {expect} from 'vitest'

import {repoRoot} from './cli.js'

export const EXPECTATIONS_LIST = 'test/expectations.sha256'

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/** path (relative to the repository) → accepted SHA-256. */
export function acceptedSums(list = process.env.UBMGR_EXPECTATIONS ?? join(repoRoot, EXPECTATIONS_LIST)): Map<string, string> {
  const sums = new Map<string, string>()
  for (const line of readFileSync(list, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line)
    if (m) sums.set(m[2], m[1])
  }
  return sums
}

/** `actual` must equal the expectation file at `path`, and that file must be the accepted one. */
export function expectMatchesExpectation(path: string, actual: string): void {
  const rel = relative(repoRoot, path)
  if (process.env.UPDATE_GOLDEN === '1' && (!existsSync(path) || readFileSync(path, 'utf8') !== actual)) writeFileSync(path, actual)
  expect(existsSync(path), `missing ${rel}: run UPDATE_GOLDEN=1 npx vitest run, review, then npm run golden:accept`).toBe(true)
  const onDisk = readFileSync(path, 'utf8')
  const accepted = acceptedSums().get(rel)
  expect(
    sha256(onDisk) === accepted,
    `${rel} is not the accepted expectation (${EXPECTATIONS_LIST})` +
      (process.env.UPDATE_GOLDEN === '1' ? ': UPDATE_GOLDEN=1 rewrote it; review `git diff`, then run `npm run golden:accept`' : ': review it, then run `npm run golden:accept`'),
  ).toBe(true)
  expect(actual).toBe(onDisk)
}
