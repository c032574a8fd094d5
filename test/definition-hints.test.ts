// What validate and attach-device say about a wrong value: hints computed from the value, enum suggestions,
// the duplicate key named, device-file problems at FILE:LINE:COL; x86_64 gets no aarch64 machine.
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {examples, runCli, tempDir} from './helpers/cli.js'

let root: string
let cleanup: () => Promise<void>
beforeAll(async () => ({dir: root, cleanup} = await tempDir('ubmgr-hints-')))
afterAll(() => cleanup())

async function file(name: string, text: string): Promise<string> {
  const path = join(root, name)
  await writeFile(path, text)
  return path
}

describe('validate explains the value it refused', () => {
  it.each([
    ['8GB', 'hint: 8GB is 8×10^9 bytes ≈ 7.45GiB: write 8GiB if you meant binary units, or 7812500KiB for that size'],
    ['512MB', 'hint: 512MB is 512×10^6 bytes ≈ 488.28MiB: write 512MiB if you meant binary units, or 500000KiB for that size'],
    ['1.5G', 'hint: 1.5G is 1.5×10^9 bytes ≈ 1.40GiB: write 1536MiB if you meant binary units, or 1464843KiB (rounded down) for that size'],
  ])('memory: %s', async (value, hint) => {
    const f = await file(`m-${value}.yaml`, `name: vm\nvcpus: 2\nmemory: ${value}\n`)
    const r = await runCli(['validate', f])
    expect(r.stderr).toBe(`${f}:3:9: /memory: must be a size with a binary unit: KiB, MiB, GiB or TiB (e.g. 16GiB) (got "${value}") — ${hint}`)
  })

  it('a bare number says it has no unit', async () => {
    const f = await file('m-num.yaml', 'name: vm\nvcpus: 2\nmemory: 4096\n')
    expect((await runCli(['validate', f])).stderr).toBe(
      `${f}:3:9: /memory: must be a size with a binary unit: KiB, MiB, GiB or TiB (e.g. 16GiB) (got 4096) — hint: a bare number has no unit: write 4096MiB if you meant MiB, or 4096KiB for KiB (libvirt's default unit)`,
    )
  })

  it('an enum typo gets a suggestion; a duplicate key is named', async () => {
    const f = await file('enum.yaml', 'name: vm\nvcpus: 2\nvcpus: 3\nmemory: 4GiB\nboot:\n  firmware: efii\n')
    expect((await runCli(['validate', f])).stderr.split('\n')).toEqual([`${f}:3:1: duplicate key 'vcpus' (each key may appear once in a mapping)`])
    const g = await file('enum2.yaml', 'name: vm\nvcpus: 2\nmemory: 4GiB\nboot:\n  firmware: efii\n')
    expect((await runCli(['validate', g])).stderr).toBe(`${g}:5:13: /boot/firmware: must be one of: efi, bios (got "efii") (did you mean 'efi'?)`)
  })
})

describe('x86_64', () => {
  it('renders no machine (libvirt picks its default) and imports without one', async () => {
    const f = await file('x86.yaml', 'name: x86vm\narch: x86_64\nvcpus: 2\nmemory: 4GiB\n')
    const xml = (await runCli(['render', f])).stdout
    expect(xml).toContain("<type arch='x86_64'>hvm</type>")
    const x = await file('x86.xml', xml)
    expect((await runCli(['import', x])).stdout).not.toContain('machine')
    const a = (await runCli(['render', join(examples, 'dpu-passthrough.yaml')])).stdout
    expect(a).toContain("<type arch='aarch64' machine='virt'>hvm</type>")
  })
})

describe('attach-device reports problems in the device file where they are', () => {
  it('FILE:LINE:COL with the file’s own pointers, for a wrapped and a bare device', async () => {
    const env = {UBMGR_STATE_DIR: join(root, 'state'), UBMGR_DEFAULT_URI: 'sim:///h'}
    expect((await runCli(['define', join(examples, 'dpu-passthrough.yaml')], {env})).exitCode).toBe(0)
    const wrapped = await file('bad-dev.yaml', 'ubDevice:\n  name: nic7\n  hots: {guid: cc08-d803-0-1-000000-0000000000990001}\n  usi: {vectors: 0}\n')
    const r = await runCli(['attach-device', 'dpu-vm-01', wrapped, '--config'], {env})
    expect(r.stderr.split('\n')).toEqual([
      `${wrapped}:2:3: /ubDevice: missing host or pool (give exactly one)`,
      `${wrapped}:3:3: /ubDevice/hots: unknown property 'hots' — hint: allowed here: name, host, pool, guestGuid, eid, ports, links, usi`,
      `${wrapped}:4:18: /ubDevice/usi/vectors: must be >= 1 (got 0)`,
    ])
    expect(r.exitCode).toBe(1)
    const bare = await file('bad-dev2.yaml', 'name: nic7\nhost: {guid: cc08-d803-0-1-000000-0000000000990001}\neid: 1\n')
    expect((await runCli(['attach-device', 'dpu-vm-01', bare, '--config'], {env})).stderr).toBe(
      `${bare}:3:6: /eid: EID 0x1 is already used by the bus controller — hint: EIDs are unique on a UB bus; use eid: auto`,
    )
  })
})

describe('import for YAML 1.1 readers', () => {
  it('quotes the MAC', async () => {
    const r = await runCli(['import', 'test/golden/dpu-passthrough.ubmgr.xml'])
    expect(r.stdout).toContain('mac: "52:54:00:10:00:01"')
  })
})
