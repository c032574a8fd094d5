// The fast path (src/entry/fast-path.ts, run from dist/bundle/ubmgr.cjs) and oclif's path (UBMGR_FAST_PATH=0) give
// byte-identical stdout, stderr and exit status for every hot command × a corpus of argument lists: plain
// runs, global options before the verb, --json, -q, --debug, help, usage errors, missing domains and files.
// Each run starts from its own copy of one prepared store, so state-changing verbs see the same state.
import {cpSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {HOT_COMMANDS} from '../src/entry/hot.js'
import {examples, repoRoot, runCli, tempDir, type CliResult} from './helpers/cli.js'

const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, {args: Record<string, {name: string}>}>
}
const FILE = join(examples, 'dpu-passthrough.yaml')
const DOMAIN = 'dpu-vm-01'
const RUNNING = 'storage-node-07'

/** A valid first argument for the command, from its manifest entry: a definition file or a domain name. */
function positional(id: string): string[] {
  const first = Object.values(manifest.commands[id].args)[0]
  if (!first) return []
  return first.name === 'file' ? [FILE] : [DOMAIN]
}

/** Argument lists for one command; its own id appears where a user would type it. */
function corpus(id: string): string[][] {
  const pos = positional(id)
  return [
    [id, ...pos],
    [id],
    [id, ...pos, '--json'],
    ['-c', 'sim:///default', '-q', id, ...pos],
    ['--debug', id, ...pos],
    [id, ...pos, '--bogus'],
    [id, ...pos, 'extra', 'words'],
    [id, 'no-such-thing'],
    [id, ...pos, '--help'],
    [id, '--', ...pos],
    [id, RUNNING],
    // libvirt's test driver (a fresh in-memory host per process): the libvirt backend inside the bundle
    ['-c', 'test:///default', id, ...(pos[0] === DOMAIN ? ['test'] : pos)],
  ]
}

let template: {dir: string; cleanup: () => Promise<void>}
let work: {dir: string; cleanup: () => Promise<void>}
let runs = 0

beforeAll(async () => {
  template = await tempDir('ubmgr-fast-template-')
  work = await tempDir('ubmgr-fast-runs-')
  const env = {UBMGR_STATE_DIR: template.dir, UBMGR_FAST_PATH: '0'}
  for (const args of [['define', FILE], ['define', join(examples, 'multi-device.yaml')], ['start', RUNNING]]) {
    const r = await runCli(args, {env})
    expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0)
  }
})

afterAll(async () => {
  await template?.cleanup()
  await work?.cleanup()
})

/** --debug's stack frames name the files each path runs from; everything else must be equal. */
const withoutFrames = (r: CliResult): CliResult => ({...r, stderr: r.stderr.replaceAll(/^ {4}at .*\n?/gm, '')})

/** One run on its own copy of the prepared store. */
async function run(args: string[], fastPath: boolean): Promise<CliResult> {
  const state = join(work.dir, `state-${runs++}`)
  cpSync(template.dir, state, {recursive: true})
  const env: Record<string, string> = {UBMGR_STATE_DIR: state, UBMGR_CACHE_DIR: join(work.dir, 'cache'), UBMGR_FAST_PATH: fastPath ? '1' : '0'}
  return runCli(args, {env, extendEnv: true})
}

describe('the fast path answers as oclif does', () => {
  for (const id of HOT_COMMANDS)
    it(`${id}`, async () => {
      // two argument lists at a time, each through both paths: four processes
      const lists = corpus(id)
      for (let i = 0; i < lists.length; i += 2)
        await Promise.all(
          lists.slice(i, i + 2).map(async (args) => {
            const [oclif, fast] = await Promise.all([run(args, false), run(args, true)])
            expect({args, ...withoutFrames(fast)}).toEqual({args, ...withoutFrames(oclif)})
          }),
        )
    })
})

it('plain arguments run on the fast path; help and usage errors on oclif\'s', async () => {
  // --debug traces show which code answered: the bundle, or oclif's modules under dist/cli and node_modules.
  const env = {UBMGR_STATE_DIR: join(work.dir, 'probe'), UBMGR_CACHE_DIR: join(work.dir, 'cache-probe')}
  const plain = await runCli(['--debug', 'domstate', 'no-such-domain'], {env})
  expect(plain.exitCode).toBe(1)
  expect(plain.stderr).toContain('dist/bundle/ubmgr.cjs')
  const usage = await runCli(['--debug', 'domstate', 'no-such-domain', '--bogus'], {env})
  expect(usage.exitCode).toBe(2)
  expect(usage.stderr).not.toContain('ubmgr.cjs')
  expect(usage.stderr).toContain('@oclif/core/lib/config')
})
