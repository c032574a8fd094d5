// Real libvirt is the judge of our XML: virt-xml-validate and `virsh -c test:///default define --validate`
// on every upstream golden, a define → dumpxml --inactive round trip that keeps ubmgr's metadata, and
// xmllint with schemas/ubmgr-domain.rng (built on libvirt's installed schema) for the ubmgr target.
import {execa} from 'execa'
import {mkdtemp, readdir, rm, symlink, copyFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {METADATA_ROOT} from '../src/xml/metadata.js'
import {parseXml, serialize} from '../src/xml/index.js'
import {child, type XmlElement} from '../src/xml/tree.js'
import {exampleFiles, goldenPath} from './examples.js'
import {repoRoot} from './helpers/cli.js'

const LIBVIRT_SCHEMAS = '/usr/share/libvirt/schemas'

function ubMetadata(xml: string): string {
  const metadata = child(parseXml(xml), 'metadata') as XmlElement
  return serialize(child(metadata, METADATA_ROOT) as XmlElement)
}

describe('upstream target on stock libvirt', () => {
  for (const example of exampleFiles) {
    const file = goldenPath(example, 'upstream')
    it(`${example}: virt-xml-validate`, async () => {
      const r = await execa('virt-xml-validate', [file], {reject: false})
      expect(r.stderr).toContain('validates')
      expect(r.exitCode).toBe(0)
    })
    it(`${example}: virsh define --validate, dumpxml --inactive keeps the UB metadata`, async () => {
      const name = parseXml((await import('node:fs')).readFileSync(file, 'utf8'))
      const domain = (child(name, 'name')!.children[0] as {text: string}).text
      // The test driver keeps state per connection: one batch runs define and dumpxml together.
      const r = await execa('virsh', ['-q', '-c', 'test:///default', `define --validate ${file}; dumpxml --inactive ${domain}`], {reject: false})
      expect(r.stderr).toBe('')
      expect(r.exitCode).toBe(0)
      const sent = (await import('node:fs')).readFileSync(file, 'utf8')
      expect(ubMetadata(r.stdout)).toBe(ubMetadata(sent))
    })
  }

  it('refuses what stock libvirt cannot take: the openeuler form fails --validate', async () => {
    const file = goldenPath('dpu-passthrough.yaml', 'openeuler')
    const r = await execa('virt-xml-validate', [file], {reject: false})
    expect(r.exitCode).toBe(3)
  })
})

describe('ubmgr target against schemas/ubmgr-domain.rng', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ubmgr-rng-'))
    for (const f of await readdir(LIBVIRT_SCHEMAS)) await symlink(join(LIBVIRT_SCHEMAS, f), join(dir, f))
    await copyFile(join(repoRoot, 'schemas', 'ubmgr-domain.rng'), join(dir, 'ubmgr-domain.rng'))
  })
  afterAll(() => rm(dir, {recursive: true, force: true}))

  for (const example of exampleFiles)
    it(`${example} validates`, async () => {
      const r = await execa('xmllint', ['--noout', '--relaxng', join(dir, 'ubmgr-domain.rng'), goldenPath(example, 'ubmgr')], {reject: false})
      expect(r.stderr).toContain('validates')
      expect(r.exitCode).toBe(0)
    })

  it('rejects a UB device with a malformed GUID', async () => {
    const {writeFile, readFile} = await import('node:fs/promises')
    const bad = join(dir, 'bad.xml')
    const xml = await readFile(goldenPath('dpu-passthrough.yaml', 'ubmgr'), 'utf8')
    await writeFile(bad, xml.replace(/<source guid='[^']+'/, "<source guid='not-a-guid'"))
    const r = await execa('xmllint', ['--noout', '--relaxng', join(dir, 'ubmgr-domain.rng'), bad], {reject: false})
    expect(r.exitCode).not.toBe(0)
    expect(r.stderr).toContain('fails to validate')
  })
})
