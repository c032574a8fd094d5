// The commands as users and scripts run them: exit codes, stdout/stderr split, stdin, -o, --json.
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {goldenPath} from './examples.js'
import {runCli, tempDir} from './helpers/cli.js'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => ({dir, cleanup} = await tempDir()))
afterAll(() => cleanup())

describe('ubmgr CLI', () => {
  it('--help lists every command', async () => {
    const r = await runCli(['--help'])
    expect(r.exitCode).toBe(0)
    for (const c of ['validate', 'render', 'import', 'schema']) expect(r.stdout).toContain(c)
  })

  it('usage errors exit 2', async () => {
    expect((await runCli(['validate'])).exitCode).toBe(2)
    expect((await runCli(['render', 'examples/dpu-passthrough.yaml', '--target', 'xen'])).exitCode).toBe(2)
    expect((await runCli(['render', 'examples/dpu-passthrough.yaml', '--bogus'])).exitCode).toBe(2)
  })

  it('validate reads stdin with -', async () => {
    const input = await readFile('examples/pooled.yaml', 'utf8')
    const r = await runCli(['validate', '-'], {input})
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toBe('-: valid')
  })

  it('validate -q prints nothing for valid files', async () => {
    const r = await runCli(['validate', '-q', 'examples/ub-64dev.yaml'])
    expect(r).toMatchObject({exitCode: 0, stdout: '', stderr: ''})
  })

  it('render prints the golden XML and -o writes it', async () => {
    const r = await runCli(['render', 'examples/dpu-passthrough.yaml', '--target', 'openeuler'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout + '\n').toBe(await readFile(goldenPath('dpu-passthrough.yaml', 'openeuler'), 'utf8'))
    const refused = await runCli(['render', 'examples/multi-device.yaml', '--target', 'openeuler'])
    expect(refused.exitCode).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toMatch(/^examples\/multi-device\.yaml:\d+:\d+: \/ub\/devices\/3\/links: 2 links: openEuler libvirt's <ports> element holds at most one <port>/)
    const out = join(dir, 'x.xml')
    const w = await runCli(['render', 'examples/multi-device.yaml', '-t', 'upstream', '-o', out])
    expect(w.exitCode).toBe(0)
    expect(await readFile(out, 'utf8')).toBe(await readFile(goldenPath('multi-device.yaml', 'upstream'), 'utf8'))
  })

  it('render warns on stderr about pool requests', async () => {
    const r = await runCli(['render', 'examples/pooled.yaml', '--target', 'openeuler'])
    expect(r.exitCode).toBe(0)
    expect(r.stderr).toContain('warning: device dpu0 is a pool request (dpu)')
  })

  it('import --json feeds render, reproducing the XML exactly', async () => {
    for (const target of ['ubmgr', 'openeuler', 'upstream']) {
      const xml = goldenPath('fusion-net-aa.yaml', target)
      const imported = await runCli(['import', xml, '--json'])
      expect(imported.exitCode).toBe(0)
      const json = join(dir, `vm-${target}.json`)
      await (await import('node:fs/promises')).writeFile(json, imported.stdout)
      const again = await runCli(['render', json, '--target', target])
      expect(again.stdout + '\n').toBe(await readFile(xml, 'utf8'))
    }
  })

  it('import reads stdin and prints YAML that validates', async () => {
    const input = await readFile(goldenPath('cluster-ubmem.yaml', 'upstream'), 'utf8')
    const r = await runCli(['import', '-'], {input})
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain('name: hpc-worker-12')
    expect(r.stdout).toContain('eid: 0x30012')
    const v = await runCli(['validate', '-'], {input: r.stdout})
    expect(v.exitCode).toBe(0)
  })

  it('import keeps libvirt elements it does not model', async () => {
    const xml = `<domain type='kvm'>
  <name>plain</name>
  <memory unit='MiB'>2048</memory>
  <vcpu>2</vcpu>
  <os><type arch='aarch64' machine='virt'>hvm</type></os>
  <features><gic version='3'/></features>
  <clock offset='utc'/>
  <devices>
    <emulator>/usr/bin/qemu-system-aarch64</emulator>
    <disk type='network' device='disk'><source protocol='rbd' name='pool/img'/><target dev='vda' bus='virtio'/></disk>
    <console type='pty'/>
  </devices>
</domain>`
    const r = await runCli(['import', '-', '--json'], {input: xml})
    expect(r.exitCode).toBe(0)
    const def = JSON.parse(r.stdout)
    expect(def.memory).toBe('2GiB')
    expect(def.libvirt.domain).toEqual(["<features>\n  <gic version='3'/>\n</features>", "<clock offset='utc'/>"])
    expect(def.libvirt.devices).toHaveLength(3)
    const json = join(dir, 'plain.json')
    await (await import('node:fs/promises')).writeFile(json, r.stdout)
    const rendered = await runCli(['render', json])
    expect(rendered.stdout).toContain("<source protocol='rbd' name='pool/img'/>")
    expect(rendered.stdout.indexOf('<features>')).toBeLessThan(rendered.stdout.indexOf('<clock'))
  })

  it('schema prints the JSON Schema', async () => {
    const r = await runCli(['schema'])
    expect(JSON.parse(r.stdout).$id).toBe('urn:ubmgr:schema:ubvm:1')
  })

  it('--json errors are JSON on stdout with the exit code', async () => {
    const r = await runCli(['render', 'nope.yaml', '--json'])
    expect(r.exitCode).toBe(1)
    expect(JSON.parse(r.stdout).error.message).toContain('nope.yaml')
  })
})
