// The verbs a virsh user reaches for after the life cycle, on the embedded backend: suspend, resume, reboot,
// reset, autostart, domid/domuuid/domname, domstate --reason and edit, with virsh's lines and errors.
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {examples, runCli, tempDir} from './helpers/cli.js'

let root: string
let cleanup: () => Promise<void>
let env: Record<string, string>
beforeAll(async () => {
  ;({dir: root, cleanup} = await tempDir('ubmgr-verbs-'))
  env = {UBMGR_STATE_DIR: root, UBMGR_DEFAULT_URI: 'sim:///verbs'}
})
afterAll(() => cleanup())

const ub = (...args: string[]) => runCli(args, {env})
const vm = 'tenant-a-web-3'

describe('virsh verbs on sim://', () => {
  it('suspend, resume, reboot, reset and domstate --reason, as virsh prints them', async () => {
    expect((await ub('define', join(examples, 'pooled.yaml'))).exitCode).toBe(0)
    expect((await ub('domstate', vm, '--reason')).stdout).toBe('shut off (unknown)')
    const notRunning = await ub('suspend', vm)
    expect(notRunning.stderr).toBe(`error: Failed to suspend domain '${vm}'\nerror: Requested operation is not valid: domain is not running`)
    expect(notRunning.exitCode).toBe(1)
    expect((await ub('start', vm)).exitCode).toBe(0)
    expect((await ub('domstate', vm, '--reason')).stdout).toBe('running (booted)')
    expect((await ub('suspend', vm)).stdout).toBe(`Domain '${vm}' suspended`)
    expect((await ub('domstate', vm, '--reason')).stdout).toBe('paused (user)')
    expect((await ub('list')).stdout).toMatch(new RegExp(`${vm}\\s+paused`))
    expect((await ub('resume', vm)).stdout).toBe(`Domain '${vm}' resumed`)
    expect((await ub('domstate', vm, '--reason')).stdout).toBe('running (unpaused)')
    expect((await ub('reboot', vm)).stdout).toBe(`Domain '${vm}' is being rebooted`)
    expect((await ub('reset', vm)).stdout).toBe(`Domain '${vm}' was reset`)
    expect((await ub('domstate', vm, '--reason')).stdout).toBe('running (booted)')
    // the walk ran again with the same devices and slices: the store is consistent
    expect((await ub('store', 'check')).exitCode).toBe(0)
    expect((await ub('destroy', vm)).exitCode).toBe(0)
    expect((await ub('domstate', vm, '--reason')).stdout).toBe('shut off (destroyed)')
    expect((await ub('reboot', vm)).stderr).toBe(`error: Failed to reboot domain '${vm}'\nerror: Requested operation is not valid: domain is not running`)
  })

  it('autostart, domid, domuuid, domname', async () => {
    expect((await ub('autostart', vm)).stdout).toBe(`Domain '${vm}' marked as autostarted`)
    expect((await ub('dominfo', vm)).stdout).toMatch(/^Autostart: +enable$/m)
    expect((await ub('autostart', vm, '--disable')).stdout).toBe(`Domain '${vm}' unmarked as autostarted`)
    expect((await ub('domid', vm)).stdout).toBe('-')
    expect((await ub('start', vm)).exitCode).toBe(0)
    const id = (await ub('domid', vm)).stdout
    expect(id).toMatch(/^[0-9]+$/)
    const uuid = (await ub('domuuid', vm)).stdout
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect((await ub('domname', id)).stdout).toBe(vm)
    expect((await ub('domname', uuid.toUpperCase())).stdout).toBe(vm)
    expect((await ub('domname', '9999')).stderr).toBe("error: failed to get domain '9999'")
    expect(JSON.parse((await ub('domid', vm, '--json')).stdout)).toEqual([{name: vm, id: Number(id)}])
    expect((await ub('destroy', vm)).exitCode).toBe(0)
  })

  it('edit: through $EDITOR (split into arguments, no shell), validated, unchanged said so, invalid kept', async () => {
    const editor = join(root, 'editor.mjs')
    await writeFile(
      editor,
      "import {readFileSync, writeFileSync} from 'node:fs'\nconst f = process.argv[process.argv.length - 1]\nwriteFileSync(f, readFileSync(f, 'utf8').replace(/^vcpus: \\d+/m, `vcpus: ${process.argv[2]}`))\n",
    )
    const edit = (n: string) => runCli(['edit', vm], {env: {...env, VISUAL: '', EDITOR: `${process.execPath} ${editor} ${n}`}})
    expect((await edit('3')).stdout).toBe(`Domain '${vm}' XML configuration edited.`)
    expect((await ub('dominfo', vm)).stdout).toMatch(/^CPU\(s\): +3$/m)
    expect((await edit('3')).stdout).toBe(`Domain '${vm}' XML configuration not changed.`)
    const bad = await edit('0')
    expect(bad.stderr).toMatch(/^\/tmp\/.*\/tenant-a-web-3\.yaml:\d+:8: \/vcpus: must be >= 1 \(got 0\)\nerror: nothing changed; your edit is kept in \/tmp\/.*\.yaml$/)
    expect(bad.exitCode).toBe(1)
    expect((await ub('dominfo', vm)).stdout).toMatch(/^CPU\(s\): +3$/m)
    const failing = await runCli(['edit', vm], {env: {...env, VISUAL: 'false'}})
    expect(failing.stderr).toBe('error: the editor (false) exited with status 1; nothing changed')
  })

  it('list as virsh: running by id then inactive by name, --inactive, --uuid; sim inspect refuses NAME with --file', async () => {
    const env2 = {UBMGR_STATE_DIR: join(root, 'list'), UBMGR_DEFAULT_URI: 'sim:///l'}
    const l = (...args: string[]) => runCli(args, {env: env2})
    for (const f of ['multi-device', 'pooled', 'dpu-passthrough']) expect((await l('define', join(examples, `${f}.yaml`))).exitCode).toBe(0)
    expect((await l('start', 'tenant-a-web-3')).exitCode).toBe(0)
    expect((await l('start', 'dpu-vm-01')).exitCode).toBe(0)
    expect((await l('list', '--all', '--name')).stdout).toBe('tenant-a-web-3\ndpu-vm-01\nstorage-node-07')
    expect((await l('list', '--inactive', '--name')).stdout).toBe('storage-node-07')
    expect((await l('list', '--inactive', '--uuid')).stdout).toMatch(/^[0-9a-f-]{36}$/)
    expect((await l('dominfo', 'dpu-vm-01')).stdout).toMatch(/^Used memory: +16777216 KiB\nPersistent: +yes\nAutostart: +disable\nManaged save: +no$/m)
    const both = await l('sim', 'inspect', 'dpu-vm-01', '--file', join(examples, 'pooled.yaml'))
    expect(both.stderr).toBe(`error: give a domain NAME or --file, not both (NAME dpu-vm-01 with --file ${join(examples, 'pooled.yaml')})`)
    expect(both.exitCode).toBe(2)
  })
})
