// Recovery of a damaged or unusable store: each bad file names itself and the fix, the good domains stay
// usable, `store check --repair` moves damage aside and leaves a consistent store, an unusable store fails
// at once, temp files of dead writers are swept, and the lock outlives a paused holder.
import {execa} from 'execa'
import {mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {bin, examples, runCli, tempDir} from './helpers/cli.js'

let root: string
let cleanup: () => Promise<void>
beforeAll(async () => ({dir: root, cleanup} = await tempDir('ubmgr-recovery-')))
afterAll(() => cleanup())

const env = (dir: string) => ({UBMGR_STATE_DIR: dir, UBMGR_DEFAULT_URI: 'sim:///s'})
const dpu = join(examples, 'dpu-passthrough.yaml')

async function fresh(name: string, running = false): Promise<string> {
  const dir = join(root, name)
  expect((await runCli(['define', dpu], {env: env(dir)})).exitCode).toBe(0)
  if (running) expect((await runCli(['start', 'dpu-vm-01'], {env: env(dir)})).exitCode).toBe(0)
  return dir
}

describe('damaged files', () => {
  it('list shows the good domains and one line per damaged file, exit 1', async () => {
    const dir = await fresh('list')
    const file = join(dir, 's', 'domains', 'broken.json')
    await writeFile(file, '{"version": 1, "name": "broken"')
    const r = await runCli(['list', '--all'], {env: env(dir)})
    expect(r.stdout).toContain('dpu-vm-01')
    expect(r.stderr).toBe(`error: state file ${file} is not valid JSON; run 'ubmgr store check --repair'`)
    expect(r.exitCode).toBe(1)
    const j = await runCli(['list', '--all', '--json'], {env: env(dir)})
    expect(JSON.parse(j.stdout).map((d: {name: string}) => d.name)).toEqual(['dpu-vm-01'])
    expect(j.exitCode).toBe(1)
  })

  it('a wrong-shaped record is refused by name; undefine writes no domains/undefined.json', async () => {
    const dir = await fresh('shape')
    const file = join(dir, 's', 'domains', 'odd.json')
    await writeFile(file, '{"version": 1}')
    const r = await runCli(['undefine', 'odd'], {env: env(dir)})
    expect(r.stderr).toBe(`error: state file ${file} is not a valid domain record (its name undefined is not its file's ("odd")); run 'ubmgr store check --repair'`)
    expect(r.exitCode).toBe(1)
    expect((await readdir(join(dir, 's', 'domains'))).sort()).toEqual(['dpu-vm-01.json', 'odd.json'])
  })

  it('store check finds it, --repair moves it aside, then the store is consistent', async () => {
    const dir = await fresh('repair', true)
    await writeFile(join(dir, 's', 'domains', 'junk.json'), 'not json')
    const check = await runCli(['store', 'check'], {env: env(dir)})
    expect(check.exitCode).toBe(1)
    expect(check.stderr).toContain(`error: state file ${join(dir, 's', 'domains', 'junk.json')} is not valid JSON`)
    const repair = await runCli(['store', 'check', '--repair'], {env: env(dir)})
    expect(repair.exitCode).toBe(0)
    expect(repair.stderr).toMatch(/^repaired: state file .*junk\.json is not valid JSON — moved to .*damaged\/domains\/junk\.json\./)
    expect(await readdir(join(dir, 's', 'damaged', 'domains'))).toHaveLength(1)
    expect((await runCli(['store', 'check'], {env: env(dir)})).stdout).toBe(`${join(dir, 's')}: 1 domain(s), 1 running: consistent`)
    expect((await runCli(['domstate', 'dpu-vm-01'], {env: env(dir)})).stdout).toBe('running')
  })

  it('a damaged host state: running domains are marked shut off, the host is rebuilt, and start works again', async () => {
    const dir = await fresh('host', true)
    await writeFile(join(dir, 's', 'host.json'), '{')
    expect((await runCli(['destroy', 'dpu-vm-01'], {env: env(dir)})).stderr).toBe(`error: state file ${join(dir, 's', 'host.json')} is not valid JSON; run 'ubmgr store check --repair'`)
    const repair = await runCli(['store', 'check', '--repair', '--json'], {env: env(dir)})
    expect(repair.exitCode).toBe(0)
    const report = JSON.parse(repair.stdout)
    expect(report.clean).toBe(true)
    expect(report.findings.map((f: {repaired?: string}) => f.repaired)).toEqual([
      expect.stringMatching(/^moved to .*damaged\/host\.json\./),
      'host state rebuilt from the fabric; domains marked shut off: dpu-vm-01',
    ])
    expect((await runCli(['domstate', 'dpu-vm-01'], {env: env(dir)})).stdout).toBe('shut off')
    expect((await runCli(['start', 'dpu-vm-01'], {env: env(dir)})).exitCode).toBe(0)
    expect((await runCli(['store', 'check'], {env: env(dir)})).exitCode).toBe(0)
  })

  it('a bus-instance lock held by a shut-off domain is found and repaired', async () => {
    const dir = await fresh('lock', true)
    // the state a non-atomic destroy left: the domain written shut off, the host still locked by it
    const file = join(dir, 's', 'domains', 'dpu-vm-01.json')
    const rec = JSON.parse(await readFile(file, 'utf8'))
    await writeFile(file, JSON.stringify({...rec, state: 'shut off', id: null, live: null, sim: null}))
    const check = await runCli(['store', 'check'], {env: env(dir)})
    expect(check.stderr).toMatch(/^error: bus instance cc08-a000-0-0-000000-0000000000000101 is locked by 'dpu-vm-01', which is not running$/m)
    expect(check.exitCode).toBe(1)
    expect((await runCli(['store', 'check', '--repair'], {env: env(dir)})).exitCode).toBe(0)
    // the derived index was rewritten with the repair: the store is consistent, and list agrees with the record
    expect((await runCli(['store', 'check'], {env: env(dir)})).exitCode).toBe(0)
    expect((await runCli(['list', '--all'], {env: env(dir)})).stdout).toMatch(/-\s+dpu-vm-01\s+shut off/)
    expect((await runCli(['start', 'dpu-vm-01'], {env: env(dir)})).exitCode).toBe(0)
  })

  it('a domain index that disagrees with the records is found; list falls back to the records; repair rebuilds it', async () => {
    const dir = await fresh('index', true)
    const shards = join(dir, 's', 'index')
    const indexed = async () => {
      const names = []
      for (const f of await readdir(shards)) names.push(...Object.keys(JSON.parse(await readFile(join(shards, f), 'utf8')).domains))
      return names.sort()
    }
    expect(await indexed()).toEqual(['dpu-vm-01'])
    // a ghost in the shard of its uuid: the index names a domain that has no record
    await writeFile(join(shards, '00.json'), JSON.stringify({version: 1, domains: {ghost: {uuid: '00000000-0000-4000-8000-000000000000', state: 'running', id: 9, persistent: true}}}))
    expect((await runCli(['list', '--all', '--name'], {env: env(dir)})).stdout).toBe('dpu-vm-01')
    const check = await runCli(['store', 'check'], {env: env(dir)})
    expect(check.stderr).toContain(`error: the domain index ${shards} disagrees with the domain records`)
    expect(check.exitCode).toBe(1)
    expect((await runCli(['store', 'check', '--repair'], {env: env(dir)})).exitCode).toBe(0)
    expect(await indexed()).toEqual(['dpu-vm-01'])
    expect((await runCli(['store', 'check'], {env: env(dir)})).exitCode).toBe(0)
  })

  it('an entry in the wrong shard is found, and the index of a store written before sharding is built on the next write', async () => {
    const dir = await fresh('index-old')
    const s = join(dir, 's')
    const [shard] = await readdir(join(s, 'index'))
    const moved = shard === '00.json' ? '01.json' : '00.json'
    await writeFile(join(s, 'index', moved), await readFile(join(s, 'index', shard), 'utf8'))
    await rm(join(s, 'index', shard))
    expect((await runCli(['store', 'check'], {env: env(dir)})).stderr).toContain(`error: the domain index ${join(s, 'index')} disagrees with the domain records`)
    // the layout before sharding: one index.json of version 1 and no shards
    await rm(join(s, 'index'), {recursive: true})
    const {uuid} = JSON.parse(await readFile(join(s, 'domains', 'dpu-vm-01.json'), 'utf8'))
    await writeFile(join(s, 'index.json'), JSON.stringify({version: 1, domains: {'dpu-vm-01': {uuid, state: 'shut off', id: null, persistent: true}}}))
    expect((await runCli(['store', 'check'], {env: env(dir)})).exitCode).toBe(0)
    expect((await runCli(['list', '--all', '--name'], {env: env(dir)})).stdout).toBe('dpu-vm-01')
    expect((await runCli(['start', 'dpu-vm-01'], {env: env(dir)})).exitCode).toBe(0)
    expect(JSON.parse(await readFile(join(s, 'index.json'), 'utf8'))).toEqual({version: 2, shards: 'uuid[0..2]'})
    expect(JSON.parse(await readFile(join(s, 'index', `${uuid.slice(0, 2)}.json`), 'utf8')).domains['dpu-vm-01']).toMatchObject({state: 'running'})
    expect((await runCli(['store', 'check'], {env: env(dir)})).exitCode).toBe(0)
  })
})

describe('an unusable store fails at once', () => {
  it('a state directory that is a file', async () => {
    const file = join(root, 'a-file')
    await writeFile(file, '')
    const t = Date.now()
    const r = await runCli(['define', dpu], {env: {UBMGR_STATE_DIR: file, UBMGR_DEFAULT_URI: 'sim:///s'}})
    expect(Date.now() - t).toBeLessThan(5_000)
    expect(r.stderr).toBe(`error: cannot use the state store ${join(file, 's')}: not a directory`)
    const l = await runCli(['list', '--all'], {env: {UBMGR_STATE_DIR: file, UBMGR_DEFAULT_URI: 'sim:///s'}})
    expect(l.stderr).toBe(`error: cannot read the state store ${join(file, 's', 'domains')}: not a directory`)
    expect(l.exitCode).toBe(1)
  })
})

describe('crash leftovers', () => {
  it('temp files of a writer that died are removed by the next command that writes', async () => {
    const dir = await fresh('tmp')
    const s = join(dir, 's')
    const temps = async () => {
      const out = []
      for (const sub of ['', 'domains', 'index']) for (const f of await readdir(join(s, sub))) if (f.endsWith('.tmp')) out.push(join(s, sub, f))
      return out
    }
    // killed at the first step of its commit: one temp file is created, nothing else
    expect((await runCli(['start', 'dpu-vm-01'], {env: {...env(dir), UBMGR_CRASH_AT: '1'}})).exitCode).not.toBe(0)
    const tmp = await temps()
    expect(tmp).toEqual([expect.stringMatching(/\/\.[^/]+\.json\.\d+\.\w+\.tmp$/)])
    const check = await runCli(['store', 'check'], {env: env(dir)})
    expect(check.stderr).toBe(`note: temp file ${tmp[0]} left by a writer that died`)
    expect(check.exitCode).toBe(0)
    expect((await runCli(['start', 'dpu-vm-01'], {env: env(dir)})).exitCode).toBe(0)
    expect(await temps()).toEqual([])
    expect(await readdir(join(s, 'domains'))).toEqual(['dpu-vm-01.json'])
  })

  it('a lock left by a killed holder is taken over at once, not after the stale time', async () => {
    const dir = await fresh('killed')
    expect((await runCli(['start', 'dpu-vm-01'], {env: {...env(dir), UBMGR_CRASH_AT: '2'}})).exitCode).not.toBe(0)
    const t = Date.now()
    expect((await runCli(['start', 'dpu-vm-01'], {env: env(dir)})).exitCode).toBe(0)
    expect(Date.now() - t).toBeLessThan(8_000)
  })
})

describe('the lock and a paused holder', () => {
  /** A process that holds the store lock: it starts the domain, and stops itself inside the transaction. */
  async function pausedHolder(dir: string, pauseMs: number) {
    const script = join(root, `holder-${pauseMs}.mjs`)
    await mkdir(root, {recursive: true})
    await writeFile(
      script,
      [
        `import {EmbeddedStore} from ${JSON.stringify(join(bin, '..', '..', 'dist', 'backends', 'sim', 'store.js'))}`,
        `const store = new EmbeddedStore('s', ${JSON.stringify(dir)})`,
        `try {`,
        `  await store.transaction(async (tx) => {`,
        `    const r = await tx.readDomain('dpu-vm-01')`,
        `    process.stdout.write('locked\\n')`,
        `    process.kill(process.pid, 'SIGSTOP')`,
        `    tx.writeDomain({...r, config: {...r.config, vcpus: 3}})`,
        `  })`,
        `  console.log('committed')`,
        `} catch (e) { console.log(e.message); process.exitCode = 1 }`,
      ].join('\n'),
    )
    const child = execa(process.execPath, [script], {reject: false})
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()))
    const other = runCli(['dominfo', 'dpu-vm-01'], {env: env(dir)}).then(() => runCli(['attach-device', 'dpu-vm-01', 'test/fixtures/devices/vdb.xml', '--config'], {env: env(dir)}))
    await new Promise((resolve) => setTimeout(resolve, pauseMs))
    child.kill('SIGCONT')
    return {holder: await child, other: await other}
  }

  it('a holder paused for 3 s keeps its lock and commits; the other command waits for it', async () => {
    const dir = await fresh('pause3')
    const {holder, other} = await pausedHolder(dir, 3_000)
    expect(String(holder.stdout)).toContain('committed')
    expect(other.exitCode).toBe(0)
    const xml = (await runCli(['dumpxml', '--inactive', 'dpu-vm-01'], {env: env(dir)})).stdout
    expect(xml).toContain('<vcpu')
    expect(xml).toMatch(/<vcpu[^>]*>3</)
    expect(xml).toContain("dev='vdb'")
  }, 60_000)

  it('a holder paused past the stale time loses the lock and says so instead of crashing', async () => {
    const dir = await fresh('pause12')
    const {holder, other} = await pausedHolder(dir, 12_500)
    expect(other.exitCode).toBe(0)
    expect(String(holder.stdout)).toMatch(/^error: lost the lock of the state store .*; nothing was committed, run the command again$/m)
    expect(String(holder.stderr)).toBe('')
    const xml = (await runCli(['dumpxml', '--inactive', 'dpu-vm-01'], {env: env(dir)})).stdout
    expect(xml).not.toMatch(/<vcpu[^>]*>3</)
    expect((await runCli(['store', 'check'], {env: env(dir)})).exitCode).toBe(0)
  }, 60_000)
})
