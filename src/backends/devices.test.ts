// Member files for live attach/detach of a fusion member: YAML and XML forms, and libvirt's words when the
// device or the member is missing or already there.
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {loadAndValidate} from '../definition/index.js'
import type {UbVmDefinition} from '../definition/types.js'
import {deviceLabel, loadDeviceFile, withDevice, withoutDevice} from './devices.js'

let dir: string
let def: UbVmDefinition
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ubmgr-devices-'))
  def = (await loadAndValidate('examples/fusion-net-aa.yaml')).definition
})
afterAll(() => rm(dir, {recursive: true, force: true}))

describe('fusion member device files', () => {
  it('reads the YAML and the XML form alike', async () => {
    const yaml = await loadDeviceFile('test/fixtures/devices/fnet0-member.yaml')
    const xmlFile = join(dir, 'member.xml')
    await writeFile(xmlFile, "<member fusion='fnet0' card='pool-dpu-2' weight='2'><source guid='cc08-d802-0-1-000000-0000000090020000'/></member>")
    const xml = await loadDeviceFile(xmlFile)
    expect(xml.kind).toBe('fusion-member')
    expect(xml.def).toEqual(yaml.def)
    expect(deviceLabel(yaml)).toBe('member pool-dpu-2 of fusion device fnet0')
  })

  it('adds and removes the member, with libvirt’s words for what is missing or already there', async () => {
    const m = await loadDeviceFile('test/fixtures/devices/fnet0-member.yaml')
    const added = withDevice(def, m)
    expect(added.ub!.fusion![0].members.at(-1)).toEqual({host: {guid: 'cc08-d802-0-1-000000-0000000090020000'}, card: 'pool-dpu-2', weight: 2})
    expect(() => withDevice(added, m)).toThrow('error: Requested operation is not valid: member pool-dpu-2 of fusion device fnet0 is already in the domain configuration')
    expect(withoutDevice(added, m)).toEqual(def)
    expect(() => withoutDevice(def, m)).toThrow('error: device not found: no member pool-dpu-2 of fusion device fnet0')
    expect(() => withDevice(def, {...m, def: {...m.def, device: 'nope'}} as never)).toThrow("error: device not found: no fusion device named 'nope'")
  })
})
