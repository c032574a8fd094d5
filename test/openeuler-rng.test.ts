// The openeuler target against schemas/ubmgr-openeuler.rng (ubmgr's overlay for openEuler libvirt's UB
// grammar on top of the installed stock schemas): every golden validates, hand-made breaks of the
// grammar are refused, and any random definition validate --target openeuler accepts renders to XML
// that validates.
import {execa} from 'execa'
import fc from 'fast-check'
import {copyFile, mkdtemp, readdir, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {isError, normalize, validateData} from '../src/definition/index.js'
import {renderDomain} from '../src/xml/index.js'
import {definition} from './arbitraries.js'
import {exampleFiles, goldenPath} from './examples.js'
import {repoRoot} from './helpers/cli.js'

const LIBVIRT_SCHEMAS = '/usr/share/libvirt/schemas'
let dir: string
const rng = () => join(dir, 'ubmgr-openeuler.rng')

async function xmllint(xml: string, name = 'case.xml'): Promise<{ok: boolean; stderr: string}> {
  const file = join(dir, name)
  await writeFile(file, xml)
  const r = await execa('xmllint', ['--noout', '--relaxng', rng(), file], {reject: false})
  return {ok: r.exitCode === 0 && String(r.stderr).includes('validates'), stderr: String(r.stderr)}
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ubmgr-oe-rng-'))
  for (const f of await readdir(LIBVIRT_SCHEMAS)) await symlink(join(LIBVIRT_SCHEMAS, f), join(dir, f))
  await copyFile(join(repoRoot, 'schemas', 'ubmgr-openeuler.rng'), rng())
})
afterAll(() => rm(dir, {recursive: true, force: true}))

describe('openeuler goldens against schemas/ubmgr-openeuler.rng', () => {
  const goldens = exampleFiles.filter((e) => e !== 'multi-device.yaml')
  it('covers every example openEuler can express', () => expect(goldens.length).toBe(exampleFiles.length - 1))
  for (const example of goldens)
    it(`${example} validates`, async () => {
      const r = await xmllint(await readFile(goldenPath(example, 'openeuler'), 'utf8'), `${example}.xml`)
      expect(r.stderr).toContain('validates')
      expect(r.ok).toBe(true)
    })
})

describe('the overlay refuses what openEuler libvirt refuses', () => {
  let golden: string
  beforeAll(async () => {
    golden = await readFile(goldenPath('dpu-passthrough.yaml', 'openeuler'), 'utf8')
  })
  const hostGuid = 'cc08-d802-0-1-000000-0000000000655361'

  it('the unmodified golden validates (the cases below change one thing each)', async () => expect((await xmllint(golden)).ok).toBe(true))

  it('a <model name="ubc"/> child instead of the model attribute', async () => {
    const xml = golden.replace("<controller type='ub' index='1' model='ubc'>", "<controller type='ub' index='1'>\n      <model name='ubc'/>")
    expect(xml).not.toBe(golden)
    expect((await xmllint(xml)).ok).toBe(false)
  })

  it('two <port> elements in one <ports>', async () => {
    const xml = golden.replace("<port index='0' teid='0x1' tport='0'/>", "<port index='0' teid='0x1' tport='0'/>\n        <port index='1' teid='0x1' tport='1'/>")
    expect(xml).not.toBe(golden)
    expect((await xmllint(xml)).ok).toBe(false)
  })

  it('a seq_num with hex letters', async () => {
    const xml = golden.replaceAll(`<address guid='${hostGuid}'/>`, "<address guid='cc08-d802-0-1-000000-00000000000a0001'/>")
    expect(xml).not.toBe(golden)
    expect((await xmllint(xml)).ok).toBe(false)
  })

  it('hostdev children out of libvirt order (address before ports)', async () => {
    const ports = "      <ports num='1'>\n        <port index='0' teid='0x1' tport='0'/>\n      </ports>\n"
    const address = `      <address type='ub' eid='0x2' guid='${hostGuid}'/>\n`
    const xml = golden.replace(ports + address, address + ports)
    expect(xml).not.toBe(golden)
    expect((await xmllint(xml)).ok).toBe(false)
  })

  it('controller children out of libvirt order (source before ports)', async () => {
    const xml = golden.replace(/( *<ports num='128'\/>\n)( *<source>\n.*\n *<\/source>\n)/, '$2$1')
    expect(xml).not.toBe(golden)
    expect((await xmllint(xml)).ok).toBe(false)
  })

  it('an upper-case EID (libvirt hexuint is lower case)', async () => {
    const xml = golden.replace("<address type='ub' eid='0x2'", "<address type='ub' eid='0xA'")
    expect(xml).not.toBe(golden)
    expect((await xmllint(xml)).ok).toBe(false)
  })

  it("takes libvirt's own shape: several iommufds, an empty <ports> with text inside, no source, a hostdev without iommufd", async () => {
    const xml = `<domain type='kvm'>
  <name>probe</name>
  <memory>1048576</memory>
  <iommufds>2</iommufds>
  <os><type arch='aarch64' machine='virt'>hvm</type></os>
  <devices>
    <controller type='ub' index='1' model='ubc'>
      <ports num='8'>
      </ports>
      <address type='ub' eid='0x1' guid='cc08-a000-0-2-000000-0000000000000007'/>
    </controller>
    <hostdev mode='subsystem' type='ub' managed='no'>
      <driver name='vfio'/>
      <source><address guid='cc08-a000-0-2-000000-0000000000000008' eid='0x5'/></source>
      <ports num='1'><port index='0' teid='0x1' tport='3'/></ports>
      <address type='ub' eid='0x5' guid='cc08-a000-0-2-000000-0000000000000008'/>
    </hostdev>
    <iommu model='ummu'/>
  </devices>
</domain>
`
    const r = await xmllint(xml)
    expect(r.stderr).toContain('validates')
  })
})

describe('property: what validate --target openeuler accepts, the overlay validates', () => {
  it('random definitions', async () => {
    let checked = 0
    await fc.assert(
      fc.asyncProperty(definition, async (def) => {
        if (validateData(def, undefined, {target: 'openeuler'}).some(isError)) return
        checked++
        const r = await xmllint(renderDomain(normalize(def), 'openeuler').xml, 'random.xml')
        expect(r.stderr).toContain('validates')
      }),
      {numRuns: 40},
    )
    // The generator must not make every definition fail the target's limits.
    expect(checked).toBeGreaterThan(10)
  })

  it('the generator also makes definitions the target refuses (hex seq_num, two links)', () => {
    const refused = fc.sample(definition, {numRuns: 200, seed: 7}).filter((d) => validateData(d, undefined, {target: 'openeuler'}).some(isError))
    const rules = new Set(refused.flatMap((d) => validateData(d, undefined, {target: 'openeuler'}).map((p) => p.rule)))
    expect(rules).toContain('openeuler-guid')
    expect(rules).toContain('openeuler-one-port')
  })
})
