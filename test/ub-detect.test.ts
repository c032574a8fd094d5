// UB detection on a libvirt connection. Stock libvirt (the real test driver) does not understand UB.
// openEuler's UB-aware libvirt is not installed here, so a stand-in `virsh` answers for it: it checks
// define --validate against schemas/ubmgr-openeuler.rng with xmllint (as that libvirt checks its own
// schema) and then refuses the probe's memory 0 with libvirt's message, or it lists hostdev subsystem
// type ub in domcapabilities.
import {chmod, copyFile, mkdtemp, readdir, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {detectUbSupport} from '../src/backends/libvirt/ub-support.js'
import {repoRoot, runCli, tempDir} from './helpers/cli.js'

describe('stock libvirt (test:///default)', () => {
  it('the probe finds no UB; nothing is left defined', async () => {
    const s = await detectUbSupport('test:///default')
    expect(s).toEqual({ubAware: false, evidence: "its domain schema refuses <controller type='ub'> and <hostdev type='ub'> (a define --validate probe)"})
  })

  it('capabilities --json', async () => {
    const r = await runCli(['capabilities', '-c', 'test:///default', '--json'])
    expect(r.exitCode).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({backend: 'libvirt', ubAware: false, target: 'upstream', hotplug: {ub: 'no'}, liveMigration: {withUbDevices: 'no'}})
  })

  it('define says which form it used and why; --target overrides', async () => {
    const r = await runCli(['define', '-c', 'test:///default', 'examples/dpu-passthrough.yaml', '--dry-run'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout.split('\n')[0]).toBe("Target upstream: libvirt at test:///default does not understand UB: its domain schema refuses <controller type='ub'> and <hostdev type='ub'> (a define --validate probe)")
    const forced = await runCli(['define', '-c', 'test:///default', 'examples/dpu-passthrough.yaml', '--dry-run', '--target', 'openeuler'])
    expect(forced.stdout.split('\n')[0]).toBe('Target openeuler: --target openeuler')
  })
})

describe('the embedded simulator', () => {
  it('capabilities reports what the simulator models', async () => {
    const {dir, cleanup} = await tempDir()
    const r = await runCli(['capabilities', '--json'], {env: {UBMGR_DEFAULT_URI: 'sim:///caps-test', UBMGR_STATE_DIR: dir}})
    await cleanup()
    expect(JSON.parse(r.stdout)).toMatchObject({backend: 'sim', ubAware: true, hotplug: {ub: 'yes'}, liveMigration: {withUbDevices: 'no'}})
  })
})

describe('a UB-aware libvirt (stand-in virsh)', () => {
  let dir: string
  let path: string | undefined
  const standIn = async (script: string) => {
    await writeFile(join(dir, 'virsh'), script)
    await chmod(join(dir, 'virsh'), 0o755)
  }
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ubmgr-oe-virsh-'))
    for (const f of await readdir('/usr/share/libvirt/schemas')) await symlink(join('/usr/share/libvirt/schemas', f), join(dir, f))
    await copyFile(join(repoRoot, 'schemas', 'ubmgr-openeuler.rng'), join(dir, 'ubmgr-openeuler.rng'))
    path = process.env.PATH
    process.env.PATH = `${dir}:${path}`
  })
  afterAll(async () => {
    process.env.PATH = path
    await rm(dir, {recursive: true, force: true})
  })

  it('the probe passes the schema and is refused for its memory: UB-aware, nothing defined', async () => {
    await standIn(`#!/bin/sh
# virsh -q -c URI VERB [OPTIONS] -- FILE: the file is the last argument
shift 3
for file; do :; done
case "$1" in
  domcapabilities) echo "error: this function is not supported by the connection driver: virConnectGetDomainCapabilities" >&2; exit 1 ;;
  define)
    if xmllint --noout --relaxng "${dir}/ubmgr-openeuler.rng" "$file" >/dev/null 2>&1; then
      echo "error: Failed to define domain from $file" >&2
      echo "error: XML error: Memory size must be specified via <memory> or in the <numa> configuration" >&2
    else
      echo "error: XML document failed to validate against schema: Unable to validate doc" >&2
    fi
    exit 1 ;;
  *) echo "error: unexpected $1" >&2; exit 1 ;;
esac
`)
    const s = await detectUbSupport('qemu:///openeuler')
    expect(s.ubAware).toBe(true)
    expect(s.evidence).toBe("its domain schema accepts <controller type='ub'> and <hostdev type='ub'> (a define --validate probe, refused later: XML error: Memory size must be specified via <memory> or in the <numa> configuration)")
  })

  it('domain capabilities that list hostdev subsystem type ub answer first', async () => {
    await standIn(`#!/bin/sh
shift 3
[ "$1" = domcapabilities ] || { echo "error: no probe expected" >&2; exit 1; }
echo "<domainCapabilities><devices><hostdev supported='yes'><enum name='subsysType'><value>pci</value><value>ub</value></enum></hostdev></devices></domainCapabilities>"
`)
    expect(await detectUbSupport('qemu:///openeuler')).toEqual({ubAware: true, evidence: "its domain capabilities list hostdev subsystem type 'ub'"})
  })
})
