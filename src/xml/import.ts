// importDomainXml: domain XML of any target (or plain libvirt XML) → a definition. What ubmgr models
// becomes definition fields; everything else is kept verbatim in definition.libvirt and written back by
// render. Elements a target derives from the UB part (openEuler hostdevs, QEMU arguments) are recognised
// by rendering the imported VM again and comparing, so an edited derived element is kept, not lost.
import {normalize} from '../definition/normalize.js'
import type {DiskDef, InterfaceDef, UbDef, UbDeviceDef, UbVmDefinition} from '../definition/types.js'
import {UbmgrError} from '../ground/errors.js'
import {diskFromXml} from './elements/disk.js'
import {fusionFromXml} from './elements/fusion-device.js'
import {ummuFromXml} from './elements/iommu.js'
import {interfaceFromXml} from './elements/interface.js'
import {memoryFromXml, osFromXml} from './elements/os.js'
import {qemuArgs} from './elements/qemu-commandline.js'
import {ubControllerFromXml} from './elements/ub-controller.js'
import {ubDeviceFromXml} from './elements/ub-device.js'
import {intAttr} from './elements/values.js'
import {METADATA_ROOT} from './metadata.js'
import {QEMU_PREFIX, UBMGR_PREFIX} from './namespaces.js'
import {parseXml} from './parse.js'
import {targetParts, type RenderTarget} from './render.js'
import {serialize} from './serialize.js'
import {attr, child, el, elements, isElement, textOf, unprefixed, type XmlElement} from './tree.js'

export type ImportedTarget = RenderTarget | 'libvirt'

export interface ImportResult {
  definition: UbVmDefinition
  target: ImportedTarget
  warnings: string[]
}

const UBMGR_DEVICE_ELEMENTS = new Set(['ub-controller', 'ub-device', 'fusion-device'])

export function importDomainXml(xml: string, file = '<xml>'): ImportResult {
  const root = parseXml(xml, file)
  if (root.name !== 'domain') throw new UbmgrError(`${file}: expecting root element of 'domain', not '${root.name}'`)
  const warnings: string[] = []
  const type = attr(root, 'type') ?? 'kvm'
  if (type !== 'kvm' && type !== 'qemu') throw new UbmgrError(`${file}: domain type '${type}' is not supported (kvm or qemu)`)
  const rootNs = root.attrs.filter(([k]) => k.startsWith('xmlns:'))
  const top = elements(root)
  const one = (name: string) => top.find((e) => e.name === name)
  const name = textOf(one('name'))
  if (!name) throw new UbmgrError(`${file}: missing name information`)
  const os = osFromXml(one('os'))
  const vcpus = Number(textOf(one('vcpu'))?.trim() ?? '1')
  const definition: UbVmDefinition = {
    name,
    uuid: textOf(one('uuid'))?.trim(),
    title: textOf(one('title')),
    description: textOf(one('description')),
    type,
    arch: os.arch as UbVmDefinition['arch'],
    machine: os.machine,
    vcpus: Number.isSafeInteger(vcpus) ? vcpus : 1,
    memory: memoryFromXml(one('memory'), file),
    boot: os.boot,
  }
  const modelled = new Set(['name', 'uuid', 'title', 'description', 'memory', 'vcpu', 'os', 'devices', 'metadata', `${QEMU_PREFIX}commandline`, 'iommufds'])
  const extraDomain = top.filter((e) => !modelled.has(e.name))
  // libvirt adds these on define; they carry nothing ubmgr models differently.
  const currentMemory = one('currentMemory')
  if (currentMemory && textOf(currentMemory) !== textOf(one('memory'))) extraDomain.push(currentMemory)

  // <metadata>: ubmgr's element is the UB part; other applications' elements are kept.
  const metadata = one('metadata')
  const ubMeta = metadata && child(metadata, METADATA_ROOT)
  const otherMeta = metadata ? elements(metadata).filter((e) => e !== ubMeta) : []
  if (otherMeta.length > 0) extraDomain.push(el('metadata', {}, otherMeta))

  const devices = one('devices') ?? el('devices')
  const disks: DiskDef[] = []
  const interfaces: InterfaceDef[] = []
  const ubmgrDevices: XmlElement[] = []
  const lowered: XmlElement[] = []
  const extraDevices: XmlElement[] = []
  for (const d of elements(devices)) {
    const disk = d.name === 'disk' ? diskFromXml(d) : undefined
    const iface = d.name === 'interface' ? interfaceFromXml(d) : undefined
    if (disk) disks.push(disk)
    else if (iface) interfaces.push(iface)
    else if (UBMGR_DEVICE_ELEMENTS.has(d.name) || (d.name === 'iommu' && attr(d, 'model') === 'ummu' && child(d, 'driver'))) ubmgrDevices.push(d)
    else if (isLoweredUb(d)) lowered.push(d)
    else extraDevices.push(d)
  }
  if (disks.length > 0) definition.disks = disks
  if (interfaces.length > 0) definition.interfaces = interfaces

  const qemu = one(`${QEMU_PREFIX}commandline`)
  let args = qemu ? qemuArgs(qemu) : []
  const otherQemu = qemu ? elements(qemu).filter((e) => e.name !== `${QEMU_PREFIX}arg`) : []

  let target: ImportedTarget = 'libvirt'
  if (ubmgrDevices.length > 0) {
    target = 'ubmgr'
    definition.ub = ubFromElements(ubmgrDevices, file)
  } else if (ubMeta) {
    target = lowered.length > 0 || one('iommufds') ? 'openeuler' : 'upstream'
    definition.ub = ubFromElements(elements(unprefixed(ubMeta, UBMGR_PREFIX)), file)
  } else if (lowered.length > 0) {
    target = 'openeuler'
    definition.ub = ubFromOpenEuler(lowered, one('iommufds'), args, file)
    lowered.length = 0
    args = args.filter((a, i) => !isUbmemArg(args, i))
  }

  if (definition.ub && target !== 'ubmgr') {
    // Drop what the target derives from the UB part; keep anything that differs.
    const expected = targetParts(normalize({...definition}), target as RenderTarget)
    const derived = new Set(expected.devices.map((e) => serialize(e)))
    for (const d of lowered) if (!derived.has(serialize(d))) {
      extraDevices.push(d)
      warnings.push(`<${d.name}> differs from what ubmgr derives from the UB part; kept verbatim`)
    }
    const ours = expected.qemuArgs
    if (ours.length > 0 && ours.every((a, i) => args[i] === a)) args = args.slice(ours.length)
    else if (ours.length > 0 && args.length > 0) warnings.push('qemu:commandline differs from what ubmgr derives from the UB part; kept verbatim')
  } else extraDevices.push(...lowered)

  if (args.length > 0 || otherQemu.length > 0)
    extraDomain.push(el(`${QEMU_PREFIX}commandline`, {}, [...args.map((value) => el(`${QEMU_PREFIX}arg`, {value})), ...otherQemu]))
  const keep = (e: XmlElement) => serialize(withNamespaces(e, rootNs)).trimEnd()
  if (extraDomain.length > 0 || extraDevices.length > 0)
    definition.libvirt = {
      ...(extraDomain.length > 0 ? {domain: extraDomain.map(keep)} : {}),
      ...(extraDevices.length > 0 ? {devices: extraDevices.map(keep)} : {}),
    }
  return {definition: clean(definition), target, warnings}
}

function isLoweredUb(d: XmlElement): boolean {
  return (
    (d.name === 'controller' && attr(d, 'type') === 'ub') ||
    (d.name === 'hostdev' && (attr(d, 'type') === 'ub' || attr(d, 'type') === 'mdev')) ||
    (d.name === 'iommu' && attr(d, 'model') === 'ummu')
  )
}

/** The UB part from ubmgr's elements (target ubmgr, or ubmgr's metadata). */
function ubFromElements(items: XmlElement[], file: string): UbDef {
  const ctrl = items.filter((e) => e.name === 'ub-controller')
  if (ctrl.length === 0) throw new UbmgrError(`${file}: UB devices without a <ub-controller>`)
  if (ctrl.length > 1) throw new UbmgrError(`${file}: ${ctrl.length} UB bus controllers; a UB bus has one controller (QEMU: only one ubc per bus)`)
  const iommu = items.find((e) => e.name === 'iommu')
  const devices = items.filter((e) => e.name === 'ub-device').map((e) => ubDeviceFromXml(e, file))
  const fusion = items.filter((e) => e.name === 'fusion-device').map((e) => fusionFromXml(e, file))
  return {
    ...ubControllerFromXml(ctrl[0], file),
    ummu: iommu ? ummuFromXml(iommu) : undefined,
    ...(devices.length > 0 ? {devices} : {}),
    ...(fusion.length > 0 ? {fusion} : {}),
  }
}

/** The UB part from openEuler's form alone (XML written by ub-device-manager, no ubmgr metadata). */
function ubFromOpenEuler(lowered: XmlElement[], iommufds: XmlElement | undefined, args: string[], file: string): UbDef {
  const ctrls = lowered.filter((e) => e.name === 'controller')
  if (ctrls.length !== 1) throw new UbmgrError(`${file}: ${ctrls.length} <controller type='ub'>; a UB bus has exactly one controller`)
  const ctrl = ctrls[0]
  const address = child(ctrl, 'address') ?? el('address')
  const bi = child(child(ctrl, 'source') ?? el('source'), 'businstance')
  if (!bi || !attr(bi, 'guid')) throw new UbmgrError(`${file}: <controller type='ub'> needs <source><businstance guid=…/></source>`)
  const hostdevs = lowered.filter((e) => e.name === 'hostdev' && attr(e, 'type') === 'ub')
  const iommufd = textOf(iommufds)?.trim() === '1' || hostdevs.some((h) => attr(h, 'iommufd') === '1')
  const devices = hostdevs.map((h, i): UbDeviceDef => {
    const host = attr(child(child(h, 'source') ?? el('source'), 'address') ?? el('address'), 'guid')
    if (!host) throw new UbmgrError(`${file}: <hostdev type='ub'> needs <source><address guid=…/></source>`)
    const addr = child(h, 'address') ?? el('address')
    const ports = child(h, 'ports')
    const guest = attr(addr, 'guid')
    return {
      name: attr(child(h, 'alias') ?? el('alias'), 'name') ?? `ub-${i}`,
      host: {guid: host},
      guestGuid: guest && guest.toLowerCase() !== host.toLowerCase() ? guest : undefined,
      eid: intAttr(addr, 'eid', file),
      ports: ports ? intAttr(ports, 'num', file) : undefined,
      links: ports ? elements(ports, 'port').map((p) => ({port: intAttr(p, 'index', file)!, controllerPort: intAttr(p, 'tport', file)})) : undefined,
    }
  })
  const mem = args.findIndex((_, i) => isUbmemArg(args, i))
  const ubmem = mem >= 0 ? Object.fromEntries(args[mem + 1].slice('ubmem_vmmu,'.length).split(',').map((kv) => kv.split('='))) : undefined
  return {
    busInstance: {guid: attr(bi, 'guid')!},
    controller: {guid: attr(address, 'guid'), eid: intAttr(address, 'eid', file), ports: intAttr(child(ctrl, 'ports') ?? el('ports'), 'num', file)},
    ummu: {nested: iommufd, iommufd},
    ...(ubmem ? {ubmemVmmu: {tid: ubmem.tid, uba: ubmem.uba, size: bytesToSize(ubmem.size)}} : {}),
    ...(devices.length > 0 ? {devices} : {}),
  }
}

const isUbmemArg = (args: string[], i: number) => args[i] === '-device' && (args[i + 1] ?? '').startsWith('ubmem_vmmu,')

function bytesToSize(text: string): string {
  const bytes = BigInt(text)
  return bytes % 1024n ** 3n === 0n ? `${bytes / 1024n ** 3n}GiB` : bytes % 1024n ** 2n === 0n ? `${bytes / 1024n ** 2n}MiB` : `${bytes / 1024n}KiB`
}

/** Carry the root's namespace declarations that a kept element needs, so it stands alone. */
function withNamespaces(e: XmlElement, rootNs: Array<[string, string]>): XmlElement {
  const used = new Set<string>()
  const walk = (x: XmlElement) => {
    const p = x.name.indexOf(':')
    if (p > 0) used.add(x.name.slice(0, p))
    for (const [k] of x.attrs) if (k.includes(':') && !k.startsWith('xmlns')) used.add(k.slice(0, k.indexOf(':')))
    x.children.filter(isElement).forEach(walk)
  }
  walk(e)
  const add = rootNs.filter(([k]) => used.has(k.slice(6)) && k !== 'xmlns:qemu' && !e.attrs.some(([a]) => a === k))
  return add.length > 0 ? {...e, attrs: [...add, ...e.attrs]} : e
}

/** Drop undefined fields so YAML/JSON output is tidy and compares equal. */
function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clean) as T
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, clean(v)])) as T
  return value
}
