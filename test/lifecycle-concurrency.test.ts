// Parallel commands must not lose each other's writes, and a define killed at any point must never
// leave a corrupt or half-written store.
import {spawn} from 'node:child_process'
import {readdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {bin, repoRoot, runCli, tempDir} from './helpers/cli.js'

let state: string
let work: string
const cleanups: Array<() => Promise<void>> = []
beforeAll(async () => {
  const a = await tempDir('ubmgr-state-')
  const b = await tempDir('ubmgr-defs-')
  state = a.dir
  work = b.dir
  cleanups.push(a.cleanup, b.cleanup)
})
afterAll(async () => {
  for (const c of cleanups) await c()
})

const env = () => ({UBMGR_STATE_DIR: state})

/** Every file in the store parses and has the fields a domain record needs. */
async function expectStoreParseable(): Promise<string[]> {
  const dir = join(state, 'default', 'domains')
  const names: string[] = []
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    if (f.startsWith('.')) continue // an interrupted write's temp file, never read
    const record = JSON.parse(await readFile(join(dir, f), 'utf8'))
    expect(record).toMatchObject({version: 1, name: expect.any(String), uuid: expect.any(String), state: expect.any(String)})
    expect(record.config.name).toBe(record.name)
    names.push(record.name)
  }
  return names.sort()
}

async function vmFile(i: number): Promise<string> {
  const file = join(work, `vm${i}.yaml`)
  await writeFile(file, `name: fleet-${String(i).padStart(2, '0')}\nvcpus: 1\nmemory: 1GiB\n`)
  return file
}

describe('concurrency and crash safety', () => {
  it('32 parallel defines of different VMs: none lost', async () => {
    const files = await Promise.all(Array.from({length: 32}, (_, i) => vmFile(i)))
    const results = await Promise.all(files.map((f) => runCli(['define', f, '-q'], {env: env()})))
    expect(results.filter((r) => r.exitCode !== 0).map((r) => r.stderr)).toEqual([])
    const names = await expectStoreParseable()
    expect(names).toEqual(Array.from({length: 32}, (_, i) => `fleet-${String(i).padStart(2, '0')}`))
  })

  it('16 parallel attach-device on one VM: every device arrives', async () => {
    await runCli(['start', 'fleet-00'], {env: env()})
    const devices = await Promise.all(
      Array.from({length: 16}, async (_, i) => {
        const file = join(work, `disk${i}.yaml`)
        await writeFile(file, `disk:\n  target: vd${'bcdefghijklmnopq'[i]}\n  source: /var/lib/libvirt/images/d${i}.img\n`)
        return file
      }),
    )
    const results = await Promise.all(devices.map((f) => runCli(['attach-device', 'fleet-00', f, '--persistent'], {env: env()})))
    expect(results.filter((r) => r.exitCode !== 0).map((r) => r.stderr)).toEqual([])
    const record = JSON.parse(await readFile(join(state, 'default', 'domains', 'fleet-00.json'), 'utf8'))
    expect(record.live.disks).toHaveLength(16)
    expect(record.config.disks).toHaveLength(16)
    await expectStoreParseable()
  })

  it('a define killed with SIGKILL at random points, 50 times, never corrupts the store', async () => {
    const file = await vmFile(99)
    let seed = 12345
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
    for (let i = 0; i < 50; i++) {
      // Alternate the content so that a kill can land in the middle of a real rewrite.
      await writeFile(file, `name: crash-vm\nvcpus: ${1 + (i % 4)}\nmemory: 1GiB\n`)
      const child = spawn(process.execPath, [bin, 'define', file, '-q'], {cwd: repoRoot, env: {...process.env, ...env()}, stdio: 'ignore'})
      const delay = 50 + Math.floor(random() * 700)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), delay)
        child.on('exit', () => {
          clearTimeout(timer)
          resolve()
        })
      })
      const names = await expectStoreParseable()
      expect(names.filter((n) => n.startsWith('fleet-'))).toHaveLength(32)
    }
    // The store still works after all that: a define goes through (taking over any stale lock).
    const r = await runCli(['define', file], {env: env()})
    expect(r.exitCode).toBe(0)
    const record = JSON.parse(await readFile(join(state, 'default', 'domains', 'crash-vm.json'), 'utf8'))
    expect(record.config.vcpus).toBe(2)
  }, 240_000)
})
