// The libvirt backend: any URI that is not sim://, through virsh. Defines always validate against
// libvirt's schema, and the inactive XML libvirt stores is compared with what was sent, because libvirt
// silently drops XML it does not understand.
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {normalize} from '../../definition/normalize.js'
import {definitionToYaml} from '../../definition/to-yaml.js'
import type {UbVmDefinition} from '../../definition/types.js'
import {UbmgrError} from '../../ground/errors.js'
import {diskToXml} from '../../xml/elements/disk.js'
import {mdevHostdevElement, ubHostdevElement} from '../../xml/elements/openeuler.js'
import {interfaceToXml} from '../../xml/elements/interface.js'
import {importDomainXml} from '../../xml/import.js'
import {METADATA_ROOT} from '../../xml/metadata.js'
import {parseXml} from '../../xml/parse.js'
import {renderDomain, type RenderTarget} from '../../xml/render.js'
import {serialize} from '../../xml/serialize.js'
import {attr, child, el, elements, type XmlElement} from '../../xml/tree.js'
import {checkAttachFlags, type AttachFlags} from '../attach-flags.js'
import {deviceLabel, withDevice, type DeviceFile} from '../devices.js'
import {lineDiff} from '../diff.js'
import {UB_MIGRATION, type Backend, type DefineResult, type DomainInfo, type DomainState, type DomainSummary, type UbCapabilities} from '../types.js'
import {detectUbSupport, type UbSupport} from './ub-support.js'
import {domainExists, perProcessDriver, virsh, virshBatch} from './virsh.js'

export class LibvirtBackend implements Backend {
  private support?: Promise<UbSupport>

  constructor(
    readonly uri: string,
    /** --target: upstream for stock libvirt, openeuler for openEuler's UB-aware libvirt; else detected */
    private readonly explicitTarget?: RenderTarget,
  ) {}

  private ubSupport(): Promise<UbSupport> {
    this.support ??= detectUbSupport(this.uri)
    return this.support
  }

  /** --target if given; else openeuler where this libvirt understands UB, upstream elsewhere. */
  async targetChoice(): Promise<{target: RenderTarget; reason: string}> {
    if (this.explicitTarget) return {target: this.explicitTarget, reason: `--target ${this.explicitTarget}`}
    const s = await this.ubSupport()
    return s.ubAware
      ? {target: 'openeuler', reason: `libvirt at ${this.uri} understands UB: ${s.evidence}`}
      : {target: 'upstream', reason: `libvirt at ${this.uri} does not understand UB: ${s.evidence}`}
  }

  async capabilities(): Promise<UbCapabilities> {
    const s = await this.ubSupport()
    const {target} = await this.targetChoice()
    return {
      uri: this.uri,
      backend: 'libvirt',
      ubAware: s.ubAware,
      target,
      evidence: s.evidence,
      hotplug: s.ubAware
        ? {ub: 'unknown', reason: "openEuler libvirt gains UB hostdev hot-plug with its PR #456, open when last checked; ubmgr does not probe for it"}
        : {ub: 'no', reason: 'stock libvirt has no UB device type, and QEMU arguments cannot change on a defined domain'},
      liveMigration: UB_MIGRATION,
    }
  }

  private async withTempFile<T>(name: string, content: string, fn: (path: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'ubmgr-'))
    const path = join(dir, name)
    try {
      await writeFile(path, content)
      return await fn(path)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  }

  async define(definition: UbVmDefinition, opts: {dryRun: boolean; source: string}): Promise<DefineResult> {
    const existingUuid = await domainExists(this.uri, definition.name)
    const existingXml = existingUuid ? await virsh(this.uri, ['dumpxml', '--inactive'], [definition.name]) : undefined
    // Idempotent define: carry the existing uuid (libvirt refuses a define without it) and the MACs
    // libvirt generated for interfaces that have none (otherwise every define would change them).
    const withUuid: UbVmDefinition = existingXml ? keepIdentity(definition, existingUuid!, existingXml) : definition
    const choice = await this.targetChoice()
    const {xml} = renderDomain(normalize(withUuid), choice.target)
    const before = existingXml ? definitionToYaml(importDomainXml(existingXml).definition) : ''
    if (opts.dryRun) {
      const after = definitionToYaml(importDomainXml(xml).definition)
      return {name: definition.name, uuid: existingUuid ?? withUuid.uuid ?? '', outcome: existingUuid ? (before === after ? 'unchanged' : 'changed') : 'created', diff: await lineDiff(before, after), dryRun: true, target: {name: choice.target, reason: choice.reason}}
    }
    // test:// keeps a domain only while its virsh process lives: define and read back in one process there
    let batched: string | undefined
    await this.withTempFile(`${encodeURIComponent(definition.name)}.xml`, xml, async (path) => {
      try {
        if (perProcessDriver(this.uri))
          batched = await virshBatch(this.uri, [
            {command: ['define', '--validate'], operands: [path]},
            {command: ['dumpxml', '--inactive'], operands: [definition.name]},
            {command: ['domuuid'], operands: [definition.name]},
          ])
        else await virsh(this.uri, ['define', '--validate'], [path])
      } catch (error) {
        const lines = (error as UbmgrError).lines.map((l) => l.replace(path, opts.source))
        throw new UbmgrError(lines)
      }
    })
    if (batched !== undefined) return this.definedInOneProcess(definition.name, xml, batched, before, choice)
    const stored = await virsh(this.uri, ['dumpxml', '--inactive'], [definition.name])
    const lost = droppedParts(xml, stored, this.uri)
    if (lost.length > 0) {
      if (!existingUuid) await virsh(this.uri, ['undefine'], [definition.name]).catch(() => undefined)
      throw new UbmgrError([`error: libvirt (${this.uri}) silently dropped part of the definition; ${existingUuid ? 'the domain now has libvirt\'s version' : 'the domain was undefined again'}:`, ...lost.map((l) => `  ${l}`)])
    }
    const after = definitionToYaml(importDomainXml(stored).definition)
    const uuid = (await virsh(this.uri, ['domuuid'], [definition.name])).trim()
    return {name: definition.name, uuid, outcome: !existingUuid ? 'created' : before === after ? 'unchanged' : 'changed', diff: await lineDiff(before, after), dryRun: false, target: {name: choice.target, reason: choice.reason}}
  }

  /** What a one-process define printed: the stored XML, then the uuid. */
  private async definedInOneProcess(name: string, sent: string, out: string, before: string, choice: {target: RenderTarget; reason: string}): Promise<DefineResult> {
    const start = out.indexOf('<domain')
    const end = out.lastIndexOf('</domain>')
    if (start < 0 || end < start) throw new UbmgrError(`error: cannot read what virsh (${this.uri}) printed after define`)
    const stored = out.slice(start, end + '</domain>'.length)
    const lost = droppedParts(sent, stored, this.uri)
    if (lost.length > 0) throw new UbmgrError([`error: libvirt (${this.uri}) silently dropped part of the definition:`, ...lost.map((l) => `  ${l}`)])
    const uuid = out.slice(end).trim().split('\n').pop()!.trim()
    const after = definitionToYaml(importDomainXml(stored).definition)
    return {name, uuid, outcome: before === '' ? 'created' : before === after ? 'unchanged' : 'changed', diff: await lineDiff(before, after), dryRun: false, target: {name: choice.target, reason: choice.reason}}
  }

  async undefine(name: string): Promise<{name: string; transient: boolean}> {
    const state = await this.state(name)
    await virsh(this.uri, ['undefine'], [name])
    return {name, transient: state !== 'shut off'}
  }

  async start(name: string): Promise<{name: string}> {
    try {
      await virsh(this.uri, ['start'], [name])
    } catch (error) {
      throw explainUbStart(error as UbmgrError, await this.hasUb(name))
    }
    return {name}
  }

  async shutdown(name: string): Promise<{name: string}> {
    await virsh(this.uri, ['shutdown'], [name])
    return {name}
  }

  async destroy(name: string): Promise<{name: string; removed: boolean}> {
    const persistent = (await this.dominfo(name)).persistent
    await virsh(this.uri, ['destroy'], [name])
    return {name, removed: !persistent}
  }

  async suspend(name: string): Promise<{name: string; state: DomainState}> {
    await virsh(this.uri, ['suspend'], [name])
    return {name, state: await this.state(name)}
  }

  async resume(name: string): Promise<{name: string; state: DomainState}> {
    await virsh(this.uri, ['resume'], [name])
    return {name, state: await this.state(name)}
  }

  async reboot(name: string): Promise<{name: string; state: DomainState}> {
    await virsh(this.uri, ['reboot'], [name])
    return {name, state: await this.state(name)}
  }

  async reset(name: string): Promise<{name: string; state: DomainState}> {
    await virsh(this.uri, ['reset'], [name])
    return {name, state: await this.state(name)}
  }

  async autostart(name: string, enable: boolean): Promise<{name: string; autostart: boolean}> {
    await virsh(this.uri, ['autostart', ...(enable ? [] : ['--disable'])], [name])
    return {name, autostart: enable}
  }

  async stateReason(name: string): Promise<{name: string; state: DomainState; reason: string}> {
    const m = /^(.+?) \((.+)\)$/.exec((await virsh(this.uri, ['domstate', '--reason'], [name])).trim())
    if (!m) throw new UbmgrError(`error: cannot read virsh domstate --reason output for '${name}'`)
    return {name, state: m[1] as DomainState, reason: m[2]}
  }

  async domname(idOrUuid: string): Promise<string> {
    return (await virsh(this.uri, ['domname'], [idOrUuid])).trim()
  }

  async definition(name: string): Promise<UbVmDefinition> {
    return importDomainXml(await virsh(this.uri, ['dumpxml', '--inactive'], [name])).definition
  }

  private async state(name: string): Promise<DomainState> {
    return (await virsh(this.uri, ['domstate'], [name])).trim() as DomainState
  }

  private async hasUb(name: string): Promise<boolean> {
    try {
      const xml = await virsh(this.uri, ['dumpxml', '--inactive'], [name])
      return xml.includes(METADATA_ROOT) || xml.includes("type='ub'")
    } catch {
      return false
    }
  }

  async list(opts: {all: boolean}): Promise<{domains: DomainSummary[]; damaged: string[]}> {
    const flags = opts.all ? ['--all'] : []
    const table = (await virsh(this.uri, ['list', ...flags])).split('\n').filter((l) => l.trim() !== '')
    const names = (await virsh(this.uri, ['list', ...flags, '--name'])).split('\n').filter((l) => l.trim() !== '')
    const uuids = (await virsh(this.uri, ['list', ...flags, '--uuid'])).split('\n').filter((l) => l.trim() !== '')
    const uuidOf = new Map(names.map((n, i) => [n, uuids[i]]))
    const domains = table.map((line) => {
      const m = /^\s*(\S+)\s+(.+?)\s+(running|shut off|paused|idle|in shutdown|crashed|pmsuspended)\s*$/.exec(line)
      if (!m) throw new UbmgrError(`error: cannot read virsh list output: ${line}`)
      return {name: m[2], uuid: uuidOf.get(m[2]) ?? '', state: m[3] as DomainState, id: m[1] === '-' ? null : Number(m[1])}
    })
    return {domains, damaged: []}
  }

  async dominfo(name: string): Promise<DomainInfo> {
    const info = Object.fromEntries(
      (await virsh(this.uri, ['dominfo'], [name])).split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]),
    )
    const xml = await virsh(this.uri, ['dumpxml'], [name])
    const meta = child(child(parseXml(xml), 'metadata') ?? {name: 'm', attrs: [], children: []}, METADATA_ROOT) as XmlElement | undefined
    const count = (tag: string) => (meta ? meta.children.filter((c) => 'name' in c && c.name === `ubmgr:${tag}`).length : (xml.match(new RegExp(`<hostdev[^>]*type='ub'`, 'g')) ?? []).length)
    return {
      name: info.Name,
      uuid: info.UUID,
      state: info.State as DomainState,
      id: info.Id === '-' ? null : Number(info.Id),
      osType: info['OS Type'],
      vcpus: Number(info['CPU(s)']),
      maxMemoryKiB: Number(info['Max memory']?.split(' ')[0]),
      usedMemoryKiB: Number(info['Used memory']?.split(' ')[0] ?? 0),
      managedSave: info['Managed save'] === 'yes',
      persistent: info.Persistent === 'yes',
      autostart: info.Autostart === 'enable',
      ubDevices: count('ub-device'),
      fusionDevices: meta ? count('fusion-device') : 0,
    }
  }

  async dumpxml(name: string, opts: {inactive: boolean; target?: RenderTarget}): Promise<string> {
    const xml = await virsh(this.uri, ['dumpxml', ...(opts.inactive ? ['--inactive'] : [])], [name])
    return opts.target ? renderDomain(normalize(importDomainXml(xml).definition), opts.target).xml : xml
  }

  async attach(name: string, device: DeviceFile, flags: AttachFlags) {
    return this.changeDevice('attach-device', name, device, flags)
  }

  async detach(name: string, device: DeviceFile, flags: AttachFlags) {
    return this.changeDevice('detach-device', name, device, flags)
  }

  private async changeDevice(verb: 'attach-device' | 'detach-device', name: string, device: DeviceFile, flags: AttachFlags) {
    checkAttachFlags(flags)
    const fragment = await this.fragment(name, device)
    const running = (await this.state(name)) !== 'shut off'
    const options = (['live', 'config', 'persistent', 'current'] as const).filter((f) => flags[f]).map((f) => `--${f}`)
    await this.withTempFile('device.xml', fragment, (path) => virsh(this.uri, [verb, ...options], [name, path]))
    const live = running && Boolean(flags.live || flags.current || flags.persistent || (!flags.live && !flags.config && !flags.persistent && !flags.current))
    // virsh says "Device detached successfully" as soon as QEMU was asked, even when the guest has not let
    // go (measured, libvirt 9.0: a PCIe disk stays in the live XML until the guest answers; with no guest
    // OS it stays). The live XML says whether it is gone; if not, ubmgr says only that the request was sent.
    const pending = verb === 'detach-device' && live && deviceInXml(await virsh(this.uri, ['dumpxml'], [name]), device)
    return {name, device: deviceLabel(device), live, config: Boolean(flags.config || flags.persistent || (flags.current && !running)), pending}
  }

  /** The device as the fragment this libvirt takes. */
  private async fragment(name: string, device: DeviceFile): Promise<string> {
    if (device.kind === 'disk') return serialize(diskToXml(normalize({name: 'x', vcpus: 1, memory: '1GiB', disks: [device.def]}).disks[0]))
    if (device.kind === 'interface') return serialize(interfaceToXml(normalize({name: 'x', vcpus: 1, memory: '1GiB', interfaces: [device.def]}).interfaces[0]))
    if (device.kind === 'fusion-member')
      throw new UbmgrError(`error: Operation not supported: a fusion member is FusionD's business on the host, libvirt has no device for it (${this.uri}); use the embedded backend, or redefine the domain`)
    if ((await this.targetChoice()).target !== 'openeuler')
      throw new UbmgrError([
        `error: cannot ${device.kind === 'fusion' ? 'hot-plug a fusion device' : 'hot-plug a UB device'} through stock libvirt (${this.uri}): libvirt has no UB device type, and QEMU arguments cannot change on a defined domain`,
        'error: use --target openeuler with openEuler’s UB-aware libvirt, or change the definition and define it again',
      ])
    const current = importDomainXml(await virsh(this.uri, ['dumpxml', '--inactive'], [name])).definition
    const vm = normalize(withDevice(current, device))
    if (device.kind === 'ub-device') {
      const i = vm.ub!.devices.findIndex((d) => d.name === device.def.name)
      const d = vm.ub!.devices[i]
      if (!d.host) throw new UbmgrError(`error: device ${d.name} is a pool request: the pool must assign a host device before it can be attached`)
      return serialize(ubHostdevElement({hostGuid: d.host.guid, guestGuid: d.guestGuid!, eid: d.eid, ports: d.ports, links: d.links}, vm.ub!))
    }
    const f = vm.ub!.fusion.find((x) => x.name === device.def.name)!
    if (f.transport === 'pci') return serialize(mdevHostdevElement(f.mdevUuid!, f.name))
    throw new UbmgrError('error: hot-plug of a UB-transport fusion device through libvirt is not supported; define it and restart the domain')
  }
}

function keepIdentity(definition: UbVmDefinition, uuid: string, existingXml: string): UbVmDefinition {
  const macs = elements(child(parseXml(existingXml), 'devices') ?? el('devices'), 'interface').map((i) => attr(child(i, 'mac') ?? el('mac'), 'address'))
  return {
    ...definition,
    uuid: definition.uuid ?? uuid,
    interfaces: definition.interfaces?.map((i, n) => (i.mac || !macs[n] ? i : {...i, mac: macs[n]})),
  }
}

/** What libvirt dropped: ubmgr's metadata, disks, interfaces, QEMU arguments (not on the test driver). */
function droppedParts(sent: string, stored: string, uri: string): string[] {
  const lost: string[] = []
  const a = parseXml(sent)
  const b = parseXml(stored)
  const meta = (x: XmlElement) => {
    const m = child(child(x, 'metadata') ?? {name: 'm', attrs: [], children: []}, METADATA_ROOT) as XmlElement | undefined
    return m ? serialize(m) : undefined
  }
  if (meta(a) !== meta(b)) lost.push(`<metadata><${METADATA_ROOT}> (ubmgr's UB description) is missing or changed`)
  const devs = (x: XmlElement, tag: string) => ((child(x, 'devices')?.children ?? []) as XmlElement[]).filter((c) => c.name === tag).length
  for (const tag of ['disk', 'interface', 'hostdev', 'controller'] as const)
    if (tag !== 'controller' && devs(b, tag) < devs(a, tag)) lost.push(`<${tag}>: sent ${devs(a, tag)}, libvirt kept ${devs(b, tag)}`)
  const sentUb = (child(a, 'devices')?.children ?? []).filter((c) => 'name' in c && c.name === 'controller' && c.attrs.some(([k, v]) => k === 'type' && v === 'ub')).length
  const keptUb = (child(b, 'devices')?.children ?? []).filter((c) => 'name' in c && c.name === 'controller' && c.attrs.some(([k, v]) => k === 'type' && v === 'ub')).length
  if (keptUb < sentUb) lost.push("<controller type='ub'>: libvirt does not know UB controllers")
  // The test driver has no QEMU namespace and drops <qemu:commandline> by design.
  if (!uri.startsWith('test') && child(a, 'qemu:commandline') && !child(b, 'qemu:commandline')) lost.push('<qemu:commandline> (the QEMU arguments for the UB devices)')
  return lost
}

/** QEMU refused something: a device model or property it does not have. */
const QEMU_REFUSED = /qemu unexpectedly closed the monitor|is not a valid device model name|Property '[^']*' not found|process exited while connecting to monitor/

function explainUbStart(error: UbmgrError, ub: boolean): UbmgrError {
  if (!ub || !error.lines.some((l) => QEMU_REFUSED.test(l))) return error
  return new UbmgrError([
    ...error.lines,
    'error: this QEMU has no UB support: the domain needs openEuler’s QEMU with the UB devices (ub-bus-controller, ubc, ub-ummu, vfio-ub) and a host with UB hardware and the vfio-ub driver',
  ])
}

/** Whether a domain's XML still has the device (matched as libvirt matches it for detach). */
function deviceInXml(xml: string, device: DeviceFile): boolean {
  const devices = elements(child(parseXml(xml), 'devices') ?? el('devices'))
  const addressGuid = (e: XmlElement) => attr(child(child(e, 'source') ?? el('source'), 'address') ?? el('address'), 'guid')?.toLowerCase()
  switch (device.kind) {
    case 'disk':
      return devices.some((e) => e.name === 'disk' && attr(child(e, 'target') ?? el('target'), 'dev') === device.def.target)
    case 'interface': {
      const mac = device.def.mac?.toLowerCase()
      return devices.some((e) => e.name === 'interface' && (mac ? attr(child(e, 'mac') ?? el('mac'), 'address')?.toLowerCase() === mac : attr(e, 'type') === device.def.type))
    }
    case 'ub-device':
      return devices.some((e) => e.name === 'hostdev' && attr(e, 'type') === 'ub' && addressGuid(e) === device.def.host?.guid.toLowerCase())
    case 'fusion':
      return devices.some((e) => e.name === 'hostdev' && attr(child(e, 'alias') ?? el('alias'), 'name') === `ua-fusion-${device.def.name}`)
    case 'fusion-member':
      return false // never passed to libvirt (fragment() refuses it)
  }
}
