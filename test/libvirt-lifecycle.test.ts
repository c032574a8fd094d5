// The lifecycle verbs against real libvirt 9 (libvirtd + QEMU TCG, started here and stopped after):
// every example defined through qemu:///system, a plain VM started with a disk hot-plugged and removed,
// the plain refusal of a UB VM on stock QEMU, and the same through a remote URI (TCP on loopback).
import {execa} from 'execa'
import {readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {exampleFiles} from './examples.js'
import {examples, runCli, tempDir} from './helpers/cli.js'
import {startLibvirtd, SYSTEM_URI, TCP_URI, type Daemons} from './helpers/libvirtd.js'

const IMAGES = '/var/lib/libvirt/images'
let daemons: Daemons
let work: string
let cleanup: () => Promise<void>
const defined = new Set<string>()

beforeAll(async () => {
  daemons = await startLibvirtd()
  ;({dir: work, cleanup} = await tempDir('ubmgr-libvirt-'))
  await execa('truncate', ['-s', '16M', join(IMAGES, 'ubmgr-plain.img'), join(IMAGES, 'ubmgr-extra.img')])
}, 120_000)

afterAll(async () => {
  for (const name of defined) {
    await execa('virsh', ['-c', SYSTEM_URI, 'destroy', name], {reject: false})
    await execa('virsh', ['-c', SYSTEM_URI, 'undefine', name], {reject: false})
  }
  await rm(join(IMAGES, 'ubmgr-plain.img'), {force: true})
  await rm(join(IMAGES, 'ubmgr-extra.img'), {force: true})
  await cleanup?.()
  await daemons?.stop()
})

const ub = (uri: string, ...args: string[]) => runCli([...args, '-c', uri])

/** The examples as TCG guests: this host (and CI) has no KVM. */
async function tcgCopy(example: string): Promise<string> {
  const text = await readFile(join(examples, example), 'utf8')
  const file = join(work, example)
  await writeFile(file, text.replace(/^type: .*\n/m, '').replace(/^name: /m, 'type: qemu\nname: '))
  return file
}

const PLAIN = `name: ubmgr-plain
type: qemu
vcpus: 1
memory: 256MiB
boot: {firmware: bios}
disks:
  - {target: vda, source: ${IMAGES}/ubmgr-plain.img, format: raw}
libvirt:
  devices:
    - "<controller type='pci' index='0' model='pcie-root'/>"
    - "<controller type='pci' model='pcie-root-port'/>"
    - "<controller type='pci' model='pcie-root-port'/>"
`

describe('real libvirt (qemu:///system)', () => {
  for (const example of exampleFiles)
    it(`${example}: define --validate, dumpxml keeps the UB part, undefine`, async () => {
      const file = await tcgCopy(example)
      const d = await ub(SYSTEM_URI, 'define', file, '--json')
      // Only the user guide's warnings (ub-64dev has more than 16 UB devices), nothing else.
      expect(d.stderr.split('\n').filter((l) => l !== '' && !/:\d+:\d+: warning: /.test(l))).toEqual([])
      const {name, outcome, target} = JSON.parse(d.stdout)
      expect(target).toEqual({name: 'upstream', reason: "libvirt at qemu:///system does not understand UB: its domain schema refuses <controller type='ub'> and <hostdev type='ub'> (a define --validate probe)"})
      defined.add(name)
      expect(outcome).toBe('created')
      const again = JSON.parse((await ub(SYSTEM_URI, 'define', file, '--json')).stdout)
      expect(again.outcome).toBe('unchanged')
      const xml = (await ub(SYSTEM_URI, 'dumpxml', name, '--inactive')).stdout
      expect(xml).toContain('<ubmgr:ubvm xmlns:ubmgr="urn:ubmgr:ubvm:1"')
      expect(xml).toContain('<qemu:commandline>')
      // The UB part read back from what libvirt stored equals the one rendered from the definition.
      const stored = join(work, `${name}.stored.xml`)
      await writeFile(stored, xml)
      const fromLibvirt = JSON.parse((await runCli(['import', stored, '--json'])).stdout)
      const rendered = join(work, `${name}.rendered.xml`)
      await writeFile(rendered, (await runCli(['render', file, '--target', 'upstream'])).stdout)
      const fromRender = JSON.parse((await runCli(['import', rendered, '--json'])).stdout)
      expect(fromLibvirt.ub).toEqual(fromRender.ub)
      expect((await ub(SYSTEM_URI, 'undefine', name)).stdout).toBe(`Domain '${name}' has been undefined`)
      defined.delete(name)
    })

  it('start, attach a disk live, detach it, destroy a VM without UB devices', async () => {
    const file = join(work, 'plain.yaml')
    await writeFile(file, PLAIN)
    expect((await ub(SYSTEM_URI, 'define', file)).exitCode).toBe(0)
    defined.add('ubmgr-plain')
    expect((await ub(SYSTEM_URI, 'start', 'ubmgr-plain')).stdout).toBe("Domain 'ubmgr-plain' started")
    expect(JSON.parse((await ub(SYSTEM_URI, 'list', '--json')).stdout)).toEqual([
      expect.objectContaining({name: 'ubmgr-plain', state: 'running', id: expect.any(Number)}),
    ])
    expect((await ub(SYSTEM_URI, 'attach-device', 'ubmgr-plain', 'test/fixtures/devices/vdb.xml', '--live')).stdout).toBe('Device attached successfully')
    expect((await ub(SYSTEM_URI, 'dumpxml', 'ubmgr-plain')).stdout).toContain("<target dev='vdb' bus='virtio'/>")
    expect((await ub(SYSTEM_URI, 'dumpxml', 'ubmgr-plain', '--inactive')).stdout).not.toContain('vdb')
    const conflict = await ub(SYSTEM_URI, 'attach-device', 'ubmgr-plain', 'test/fixtures/devices/vdb.xml', '--current', '--config')
    expect(conflict).toMatchObject({exitCode: 2, stderr: 'error: Options --current and --config are mutually exclusive'})
    // No guest OS answers the PCIe unplug, so libvirt may only send the request: ubmgr says which.
    const detach = await ub(SYSTEM_URI, 'detach-device', 'ubmgr-plain', 'test/fixtures/devices/vdb.xml', '--live')
    expect(detach.exitCode).toBe(0)
    expect(['Device detached successfully', 'Device detach request sent successfully']).toContain(detach.stdout)
    expect((await ub(SYSTEM_URI, 'dumpxml', 'ubmgr-plain', '--inactive')).stdout).not.toContain('vdb')
    expect((await ub(SYSTEM_URI, 'domstate', 'ubmgr-plain')).stdout).toBe('running')
    expect((await ub(SYSTEM_URI, 'destroy', 'ubmgr-plain')).stdout).toBe("Domain 'ubmgr-plain' destroyed")
    const again = await ub(SYSTEM_URI, 'destroy', 'ubmgr-plain')
    expect(again.stderr).toBe("error: Failed to destroy domain 'ubmgr-plain'\nerror: Requested operation is not valid: domain is not running")
    expect((await ub(SYSTEM_URI, 'undefine', 'ubmgr-plain')).exitCode).toBe(0)
    defined.delete('ubmgr-plain')
  }, 120_000)

  it('a UB VM on stock QEMU: the QEMU message and what is missing', async () => {
    const file = join(work, 'ub-min.yaml')
    await writeFile(
      file,
      'name: ubmgr-ub-min\ntype: qemu\nvcpus: 1\nmemory: 256MiB\nboot: {firmware: bios}\nub:\n  busInstance: {guid: cc08-a000-0-0-000000-0000000000000101}\n  devices:\n    - {name: dpu0, host: {guid: cc08-d802-0-1-000000-0000000000655361}}\n',
    )
    expect((await ub(SYSTEM_URI, 'define', file)).exitCode).toBe(0)
    defined.add('ubmgr-ub-min')
    const r = await ub(SYSTEM_URI, 'start', 'ubmgr-ub-min')
    expect(r.exitCode).toBe(1)
    const lines = r.stderr.split('\n')
    expect(lines[0]).toBe("error: Failed to start domain 'ubmgr-ub-min'")
    expect(lines[1]).toMatch(/qemu-system-aarch64: .*iommufd|is not a valid device model name|not found/)
    expect(lines[2]).toMatch(/^error: this QEMU has no UB support: the domain needs openEuler’s QEMU with the UB devices/)
    expect((await ub(SYSTEM_URI, 'domstate', 'ubmgr-ub-min')).stdout).toBe('shut off')
    expect((await ub(SYSTEM_URI, 'undefine', 'ubmgr-ub-min')).exitCode).toBe(0)
    defined.delete('ubmgr-ub-min')
  })

  it('the openeuler form is refused by stock libvirt with its own message, and nothing is defined', async () => {
    const r = await ub(SYSTEM_URI, 'define', await tcgCopy('dpu-passthrough.yaml'), '--target', 'openeuler')
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('error: XML document failed to validate against schema')
    expect((await ub(SYSTEM_URI, 'list', '--all', '--name')).stdout).not.toContain('dpu-vm-01')
  })
})

describe('real libvirt through a remote URI (qemu+tcp on loopback)', () => {
  it('define, list, dominfo, undefine', async () => {
    const file = await tcgCopy('fusion-net-aa.yaml')
    expect((await ub(TCP_URI, 'define', file)).stdout).toBe(
      `Target upstream: libvirt at ${TCP_URI} does not understand UB: its domain schema refuses <controller type='ub'> and <hostdev type='ub'> (a define --validate probe)\nDomain 'gateway-aa-01' defined from ${file}`,
    )
    defined.add('gateway-aa-01')
    expect((await ub(TCP_URI, 'list', '--all', '--name')).stdout.split('\n')).toContain('gateway-aa-01')
    expect(JSON.parse((await ub(TCP_URI, 'dominfo', 'gateway-aa-01', '--json')).stdout)).toMatchObject({name: 'gateway-aa-01', state: 'shut off', persistent: true, fusionDevices: 1})
    expect((await ub(TCP_URI, 'undefine', 'gateway-aa-01')).exitCode).toBe(0)
    defined.delete('gateway-aa-01')
    const gone = await ub(TCP_URI, 'dominfo', 'gateway-aa-01')
    expect(gone).toMatchObject({exitCode: 1, stderr: "error: failed to get domain 'gateway-aa-01'"})
  })
})
