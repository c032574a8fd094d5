// The guard on expectations: the accepted list covers exactly the expectation files, and a golden run
// fails — with UPDATE_GOLDEN=1 or without — when an expectation file is not the accepted one. The
// mutation is simulated by a doctored copy of the list (one sum changed), so nothing in the tree changes.
import {execa} from 'execa'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {repoRoot, tempDir} from './helpers/cli.js'
import {acceptedSums, EXPECTATIONS_LIST} from './helpers/golden.js'

const expectationFiles = () => [
  ...readdirSync(join(repoRoot, 'test/golden')).filter((f) => f.endsWith('.xml')).map((f) => `test/golden/${f}`),
  ...readdirSync(join(repoRoot, 'test/invalid')).filter((f) => f.endsWith('.expected')).map((f) => `test/invalid/${f}`),
]

let doctored: string
let cleanup: () => Promise<void>
const victim = 'test/golden/dpu-passthrough.upstream.xml'

beforeAll(async () => {
  const t = await tempDir('ubmgr-golden-guard-')
  cleanup = t.cleanup
  doctored = join(t.dir, 'expectations.sha256')
  const text = readFileSync(join(repoRoot, EXPECTATIONS_LIST), 'utf8')
  // As if the renderer had changed and UPDATE_GOLDEN=1 had rewritten this golden: its sum is not the accepted one.
  writeFileSync(doctored, text.replace(new RegExp(`^[0-9a-f]{64}(  ${victim})$`, 'm'), `${'0'.repeat(64)}$1`))
})
afterAll(() => cleanup())

const goldenRun = (env: Record<string, string>) =>
  execa('npx', ['vitest', 'run', 'test/golden.test.ts', '-t', 'dpu-passthrough'], {cwd: repoRoot, reject: false, all: true, env: {NO_COLOR: '1', UBMGR_EXPECTATIONS: doctored, ...env}})

describe('expectation guard', () => {
  it('the accepted list names every expectation file, and only those', () => {
    expect([...acceptedSums().keys()].sort()).toEqual(expectationFiles().sort())
  })

  it('UPDATE_GOLDEN=1 cannot make a rewritten golden pass', async () => {
    const r = await goldenRun({UPDATE_GOLDEN: '1'})
    expect(r.exitCode).toBe(1)
    expect(String(r.all)).toContain(`${victim} is not the accepted expectation (${EXPECTATIONS_LIST}): UPDATE_GOLDEN=1 rewrote it`)
  })

  it('without UPDATE_GOLDEN the same golden fails too', async () => {
    const r = await goldenRun({})
    expect(r.exitCode).toBe(1)
    expect(String(r.all)).toContain(`${victim} is not the accepted expectation (${EXPECTATIONS_LIST}): review it`)
  })

  it('and with the accepted list the golden run passes', async () => {
    const r = await execa('npx', ['vitest', 'run', 'test/golden.test.ts', '-t', 'dpu-passthrough'], {cwd: repoRoot, reject: false})
    expect(r.exitCode).toBe(0)
  })
})
