// Does this libvirt understand UB? openEuler's UB-aware libvirt has <controller type='ub'> and
// <hostdev type='ub'> in its domain schema (src/conf/schemas/domaincommon.rng @cb66fdf3); stock
// libvirt does not. Asked two ways, read-only first:
//  1. domain capabilities: a hostdev subsystem type "ub" (or iommu model "ummu") in
//     `virsh domcapabilities` — if that libvirt lists them there (not verified in its source);
//  2. a validating probe: `virsh define --validate` of a domain with a UB controller and hostdev and
//     memory 0. A schema without UB refuses it ("failed to validate against schema"); a schema with UB
//     passes it and the parser then refuses the memory ("Memory size must be specified"), so nothing is
//     defined. Should a define succeed anyway, the probe domain is undefined at once.
import {randomBytes} from 'node:crypto'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {UbmgrError} from '../../ground/errors.js'
import {parseXml} from '../../xml/parse.js'
import {attr, elements, textOf, type XmlElement} from '../../xml/tree.js'
import {virsh} from './virsh.js'

export interface UbSupport {
  ubAware: boolean
  /** How it was found out, in a sentence. */
  evidence: string
}

export async function detectUbSupport(uri: string): Promise<UbSupport> {
  return (await fromDomainCapabilities(uri)) ?? (await fromProbe(uri))
}

async function fromDomainCapabilities(uri: string): Promise<UbSupport | undefined> {
  let caps: XmlElement
  try {
    caps = parseXml(await virsh(uri, ['domcapabilities']), 'domcapabilities')
  } catch {
    return undefined // not every driver has domain capabilities (the test driver has none)
  }
  const values = (device: string, enumName: string) =>
    elements(caps, 'devices').flatMap((d) => elements(d, device)).flatMap((x) => elements(x, 'enum').filter((e) => attr(e, 'name') === enumName)).flatMap((e) => elements(e, 'value').map((v) => textOf(v)?.trim()))
  if (values('hostdev', 'subsysType').includes('ub')) return {ubAware: true, evidence: "its domain capabilities list hostdev subsystem type 'ub'"}
  if (values('iommu', 'model').includes('ummu')) return {ubAware: true, evidence: "its domain capabilities list iommu model 'ummu'"}
  return undefined // absence proves nothing: ask the schema
}

const PROBE_GUID = 'cc08-a000-0-2-000000-0000000000000000'

function probeXml(name: string): string {
  return `<domain type='kvm'>
  <name>${name}</name>
  <memory unit='KiB'>0</memory>
  <os><type arch='aarch64' machine='virt'>hvm</type></os>
  <devices>
    <controller type='ub' index='1' model='ubc'>
      <ports num='1'/>
      <address type='ub' eid='0x1' guid='${PROBE_GUID}'/>
    </controller>
    <hostdev mode='subsystem' type='ub' managed='no'>
      <source><address guid='${PROBE_GUID.replace('-2-', '-1-')}'/></source>
      <ports num='1'><port index='0' teid='0x1' tport='0'/></ports>
      <address type='ub' eid='0x2' guid='${PROBE_GUID.replace('-2-', '-1-')}'/>
    </hostdev>
  </devices>
</domain>
`
}

async function fromProbe(uri: string): Promise<UbSupport> {
  const name = `ubmgr-ub-probe-${randomBytes(4).toString('hex')}`
  const dir = await mkdtemp(join(tmpdir(), 'ubmgr-probe-'))
  try {
    const file = join(dir, 'probe.xml')
    await writeFile(file, probeXml(name))
    try {
      await virsh(uri, ['define', '--validate'], [file])
    } catch (error) {
      const text = (error as UbmgrError).lines?.join(' ') ?? String(error)
      if (/failed to validate against schema|Relax-NG/i.test(text))
        return {ubAware: false, evidence: "its domain schema refuses <controller type='ub'> and <hostdev type='ub'> (a define --validate probe)"}
      if (/cannot run virsh|virsh not found|failed to connect|Failed to connect/i.test(text)) throw error
      return {ubAware: true, evidence: `its domain schema accepts <controller type='ub'> and <hostdev type='ub'> (a define --validate probe, refused later: ${firstError(text)})`}
    }
    await virsh(uri, ['undefine'], [name]).catch(() => undefined)
    return {ubAware: true, evidence: "it defined a probe domain with <controller type='ub'> and <hostdev type='ub'> (undefined again)"}
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

const firstError = (text: string) => text.replace(/^error: Failed to define domain from \S+\s*/i, '').replace(/^error: /, '').slice(0, 120)
