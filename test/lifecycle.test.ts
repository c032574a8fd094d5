// The embedded backend's life cycle as users run it: every step a separate process against a temp
// UBMGR_STATE_DIR, checking what each prints and what the store holds.
import {readFile, readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, tempDir} from './helpers/cli.js'

let state: string
let cleanup: () => Promise<void>
beforeAll(async () => ({dir: state, cleanup} = await tempDir('ubmgr-state-')))
afterAll(() => cleanup())

const ub = (...args: string[]) => runCli(args, {env: {UBMGR_STATE_DIR: state}})
const json = async (...args: string[]) => {
  const r = await ub(...args, '--json')
  expect(r.stderr).toBe('')
  expect(r.exitCode).toBe(0)
  return JSON.parse(r.stdout)
}

describe('embedded life cycle (sim:///default)', () => {
  it('define → list → start → attach/detach → destroy → undefine', async () => {
    // define, twice: idempotent, same uuid
    const first = await json('define', 'examples/dpu-passthrough.yaml')
    expect(first).toMatchObject({name: 'dpu-vm-01', uuid: '5b1f0e2a-3c4d-4e5f-8a6b-7c8d9e0f1a2b', outcome: 'created'})
    expect((await ub('define', 'examples/dpu-passthrough.yaml')).stdout).toBe("Domain 'dpu-vm-01' defined from examples/dpu-passthrough.yaml (unchanged)")
    const pooled = await json('define', 'examples/pooled.yaml')
    expect(pooled.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect((await json('define', 'examples/pooled.yaml')).uuid).toBe(pooled.uuid)

    expect(await json('list')).toEqual([])
    expect(await json('list', '--all')).toEqual([
      {name: 'dpu-vm-01', uuid: first.uuid, state: 'shut off', id: null},
      {name: 'tenant-a-web-3', uuid: pooled.uuid, state: 'shut off', id: null},
    ])
    expect((await ub('list', '--all', '--name')).stdout).toBe('dpu-vm-01\ntenant-a-web-3')

    expect((await ub('start', 'dpu-vm-01')).stdout).toBe("Domain 'dpu-vm-01' started")
    expect((await ub('domstate', 'dpu-vm-01')).stdout).toBe('running')
    expect((await json('dominfo', 'dpu-vm-01'))[0]).toMatchObject({name: 'dpu-vm-01', state: 'running', id: 1, persistent: true, ubDevices: 1})
    const again = await ub('start', 'dpu-vm-01')
    expect(again).toMatchObject({exitCode: 1, stderr: 'error: Domain is already active'})

    // live attach: the running XML changes, the persistent one does not
    expect((await ub('attach-device', 'dpu-vm-01', 'test/fixtures/devices/nic9.yaml', '--live')).stdout).toBe('Device attached successfully')
    expect((await ub('dumpxml', 'dpu-vm-01')).stdout).toContain("<ub-device name='nic9'>")
    expect((await ub('dumpxml', 'dpu-vm-01', '--inactive')).stdout).not.toContain('nic9')
    // config attach: only the persistent XML
    expect((await ub('attach-device', 'dpu-vm-01', 'test/fixtures/devices/vdb.xml', '--config')).exitCode).toBe(0)
    expect((await ub('dumpxml', 'dpu-vm-01', '--inactive')).stdout).toContain("<target dev='vdb' bus='virtio'/>")
    expect((await ub('dumpxml', 'dpu-vm-01')).stdout).not.toContain('vdb')
    const dup = await ub('attach-device', 'dpu-vm-01', 'test/fixtures/devices/vdb.xml', '--config')
    expect(dup).toMatchObject({exitCode: 1, stderr: 'error: Requested operation is not valid: target vdb already exists'})

    expect((await ub('detach-device', 'dpu-vm-01', 'test/fixtures/devices/nic9.yaml')).stdout).toBe('Device detached successfully')
    expect((await ub('dumpxml', 'dpu-vm-01')).stdout).not.toContain('nic9')
    const missing = await ub('detach-device', 'dpu-vm-01', 'test/fixtures/devices/nic9.yaml')
    expect(missing).toMatchObject({exitCode: 1, stderr: "error: device not found: no UB device named 'nic9'"})

    expect((await ub('destroy', 'dpu-vm-01')).stdout).toBe("Domain 'dpu-vm-01' destroyed")
    expect((await ub('domstate', 'dpu-vm-01')).stdout).toBe('shut off')
    // the config attach survives the restart
    expect((await json('start', 'dpu-vm-01'))[0]).toMatchObject({name: 'dpu-vm-01'})
    expect((await ub('dumpxml', 'dpu-vm-01')).stdout).toContain('vdb')
    expect((await ub('destroy', 'dpu-vm-01')).exitCode).toBe(0)
    const notRunning = await ub('destroy', 'dpu-vm-01')
    expect(notRunning.stderr).toBe("error: Failed to destroy domain 'dpu-vm-01'\nerror: Requested operation is not valid: domain is not running")

    expect((await ub('undefine', 'dpu-vm-01')).stdout).toBe("Domain 'dpu-vm-01' has been undefined")
    expect(await ub('dominfo', 'dpu-vm-01')).toMatchObject({exitCode: 1, stderr: "error: failed to get domain 'dpu-vm-01'"})
    expect((await json('list', '--all')).map((d: {name: string}) => d.name)).toEqual(['tenant-a-web-3'])
  })

  it('refuses a different uuid for an existing name, as libvirt does', async () => {
    await json('define', 'examples/fusion-net-aa.yaml')
    const {dir, cleanup: rmDir} = await tempDir()
    const file = join(dir, 'other-uuid.yaml')
    const text = await readFile('examples/fusion-net-aa.yaml', 'utf8')
    await (await import('node:fs/promises')).writeFile(file, text.replace('name: gateway-aa-01', 'name: gateway-aa-01\nuuid: 6a1f2c3d-1111-4222-8333-944455566677'))
    const r = await ub('define', file)
    const {uuid} = (await json('dominfo', 'gateway-aa-01'))[0]
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toBe(`error: Failed to define domain from ${file}\nerror: operation failed: domain 'gateway-aa-01' already exists with uuid ${uuid}`)
    await rmDir()
  })

  it('--dry-run shows the change and changes nothing', async () => {
    const before = await readdir(join(state, 'default', 'domains'))
    const r = await ub('define', 'examples/multi-device.yaml', '--dry-run')
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain('+ name: storage-node-07')
    expect(r.stdout).toContain("Dry run: domain 'storage-node-07' would be created")
    expect(await readdir(join(state, 'default', 'domains'))).toEqual(before)
  })

  it('undefine of a running domain leaves it running as transient; destroy removes it', async () => {
    await json('define', 'examples/cluster-ubmem.yaml')
    await json('start', 'hpc-worker-12')
    expect((await json('undefine', 'hpc-worker-12'))[0]).toEqual({name: 'hpc-worker-12', transient: true})
    expect((await json('dominfo', 'hpc-worker-12'))[0]).toMatchObject({state: 'running', persistent: false})
    const cfg = await ub('attach-device', 'hpc-worker-12', 'test/fixtures/devices/vdb.xml', '--config')
    expect(cfg.stderr).toBe('error: Requested operation is not valid: cannot modify device on transient domain')
    expect((await json('destroy', 'hpc-worker-12'))[0]).toEqual({name: 'hpc-worker-12', removed: true, state: 'shut off'})
    expect((await ub('list', '--all', '--name')).stdout).not.toContain('hpc-worker-12')
  })

  it('two VMs cannot hold the same bus instance (ub-bus-instance lock)', async () => {
    const {dir, cleanup: rmDir} = await tempDir()
    const twin = join(dir, 'twin.yaml')
    const text = await readFile('examples/fusion-net-aa.yaml', 'utf8')
    await (await import('node:fs/promises')).writeFile(twin, text.replace('name: gateway-aa-01', 'name: gateway-twin').replace(/members:[\s\S]*/, 'members:\n        - {host: {guid: cc08-d802-0-1-000000-0000000000655513}, card: a}\n        - {host: {guid: cc08-d802-0-1-000000-0000000000721049}, card: b}\n'))
    await json('define', twin)
    await json('start', 'gateway-aa-01')
    const r = await ub('start', 'gateway-twin')
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain("error: Failed to start domain 'gateway-twin'")
    expect(r.stderr).toContain('error: ubc: ubc bus instance guid lock failed, it may used by other vm')
    await json('destroy', 'gateway-aa-01')
    expect((await ub('start', 'gateway-twin')).exitCode).toBe(0)
    await json('destroy', 'gateway-twin')
    await rmDir()
  })

  it('names from stdin with -', async () => {
    const r = await runCli(['start', '-'], {env: {UBMGR_STATE_DIR: state}, input: 'tenant-a-web-3\ngateway-aa-01\n'})
    expect(r.stdout).toBe("Domain 'tenant-a-web-3' started\nDomain 'gateway-aa-01' started")
    const bad = await runCli(['destroy', '-'], {env: {UBMGR_STATE_DIR: state}, input: 'tenant-a-web-3\nnosuch\ngateway-aa-01\n'})
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr).toBe("error: failed to get domain 'nosuch'\nerror: 1 of 3 domains failed: nosuch")
    expect((await ub('list', '--name')).stdout).toBe('')
  })

  it('state files are human-readable JSON', async () => {
    const record = JSON.parse(await readFile(join(state, 'default', 'domains', 'tenant-a-web-3.json'), 'utf8'))
    expect(record).toMatchObject({name: 'tenant-a-web-3', state: 'shut off', persistent: true})
    expect(record.config.ub.devices[0].pool.class).toBe('dpu')
  })

  it('UBMGR_DEFAULT_URI and -c choose the store', async () => {
    expect((await runCli(['list', '--all', '--name', '-c', 'sim:///other'], {env: {UBMGR_STATE_DIR: state}})).stdout).toBe('')
    const viaEnv = await runCli(['list', '--all', '--name'], {env: {UBMGR_STATE_DIR: state, UBMGR_DEFAULT_URI: 'sim:///default'}})
    expect(viaEnv.stdout).toContain('tenant-a-web-3')
    expect((await runCli(['list', '-c', 'nonsense'], {env: {UBMGR_STATE_DIR: state}})).exitCode).toBe(2)
  })
})
