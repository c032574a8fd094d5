// importDomainXml: domain XML of any target (or plain libvirt XML) → a definition. What ubmgr models
// becomes definition fields; everything else is kept verbatim in definition.libvirt and written back by
// render. Elements a target derives from the UB part (openEuler hostdevs, QEMU arguments) are recognised
// by rendering the imported VM again and comparing, so an edited derived element is kept, not lost.
import {normalize} from '../definition/normalize.js'
import type {DiskDef, InterfaceDef, UbDef, UbVmDefinition} from '../definition/types.js'
import {UbmgrError} from '../ground/errors.js'
import {diskFromXml} from './elements/disk.js'
import {fusionFromXml} from './elements/fusion-device.js'
import {ummuFromXml} from './elements/iommu.js'
import {interfaceFromXml} from './elements/interface.js'
import {isOpenEulerUb, readOpenEulerElements} from './elements/openeuler.js'
import {isPlainHugepages, memoryFromXml, osFromXml} from './elements/os.js'
import {qemuArgs} from './elements/qemu-commandline.js'
import {readUbQemuArgs} from './elements/qemu-ub.js'
import {ubControllerFromXml} from './elements/ub-controller.js'
import {ubDeviceFromXml} from './elements/ub-device.js'
import {loweredKey, loweredToUbDef, mergeLowered} from './lowered.js'
import {METADATA_ROOT} from './metadata.js'
import {QEMU_PREFIX, UBMGR_PREFIX} from './namespaces.js'
import {parseXml} from './parse.js'
import {targetParts, type RenderTarget} from './render.js'
import {serialize} from './serialize.js'
import {attr, child, el, elements, isElement, textOf, unprefixed, type XmlElement} from './tree.js'

const fail = (message: string): never => {
  throw new UbmgrError(message)
}

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
  const extraDomain: XmlElement[] = []
  for (const e of top) {
    if (isPlainHugepages(e)) definition.hugepages = true
    else if (!modelled.has(e.name)) extraDomain.push(e)
  }
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
    else if (isOpenEulerUb(d)) lowered.push(d)
    else extraDevices.push(d)
  }
  if (disks.length > 0) definition.disks = disks
  if (interfaces.length > 0) definition.interfaces = interfaces

  const qemu = one(`${QEMU_PREFIX}commandline`)
  const allArgs = qemu ? qemuArgs(qemu) : []
  const otherQemu = qemu ? elements(qemu).filter((e) => e.name !== `${QEMU_PREFIX}arg`) : []
  const iommufds = one('iommufds')
  // The UB part of openEuler's elements and of the QEMU arguments (JSON or key=value syntax).
  const qemuUb = readUbQemuArgs(allArgs)
  const found = mergeLowered(readOpenEulerElements(lowered, iommufds, file), qemuUb.lowered)

  let target: ImportedTarget = 'libvirt'
  let args = allArgs
  if (ubmgrDevices.length > 0) {
    target = 'ubmgr'
    definition.ub = ubFromElements(ubmgrDevices, file)
    for (const d of lowered) extraDevices.push(d)
    if (iommufds) extraDomain.push(iommufds)
  } else if (ubMeta) {
    target = lowered.length > 0 || iommufds ? 'openeuler' : 'upstream'
    definition.ub = ubFromElements(elements(unprefixed(ubMeta, UBMGR_PREFIX)), file)
    // Drop what the target derives from the UB part, in the form ubmgr writes now or wrote before;
    // if someone changed it, keep it verbatim with a warning.
    const expected = targetParts(normalize({...definition}), target as RenderTarget)
    const expectedIommufds = expected.iommufds ? el('iommufds', {}, [{text: '1'}]) : undefined
    const derived = mergeLowered(readOpenEulerElements(expected.devices.filter(isOpenEulerUb), expectedIommufds, file), readUbQemuArgs(expected.qemuArgs).lowered)
    if (loweredKey(found) === loweredKey(derived)) args = qemuUb.rest
    else {
      for (const d of lowered) extraDevices.push(d)
      if (iommufds) extraDomain.push(iommufds)
      warnings.push("openEuler's UB elements or the QEMU arguments differ from what ubmgr derives from its metadata; kept verbatim")
    }
  } else if (lowered.length > 0 || found.controller) {
    // Without ubmgr's metadata: openEuler's form (ub-device-manager, openEuler libvirt's dumpxml), or
    // the QEMU arguments alone.
    target = lowered.length > 0 ? 'openeuler' : 'upstream'
    definition.ub = loweredToUbDef(found, file, fail)
    args = qemuUb.rest
  } else if (iommufds) extraDomain.push(iommufds)

  if (args.length > 0 || otherQemu.length > 0)
    extraDomain.push(el(`${QEMU_PREFIX}commandline`, {}, [...args.map((value) => el(`${QEMU_PREFIX}arg`, {value})), ...otherQemu]))
  const keep = (e: XmlElement) => serialize(withNamespaces(e, rootNs)).trimEnd()
  // The XML already passes things to QEMU: keep them, with the opt-in a definition needs for that.
  const qemuParts = extraDomain.filter((e) => e.name.startsWith(QEMU_PREFIX))
  if (qemuParts.length > 0) warnings.push(`${qemuParts.map((e) => `<${e.name}>`).join(', ')} kept with libvirt.allowQemu: true (QEMU pass-through that ubmgr does not check)`)
  if (extraDomain.length > 0 || extraDevices.length > 0)
    definition.libvirt = {
      ...(qemuParts.length > 0 ? {allowQemu: true} : {}),
      ...(extraDomain.length > 0 ? {domain: extraDomain.map(keep)} : {}),
      ...(extraDevices.length > 0 ? {devices: extraDevices.map(keep)} : {}),
    }
  return {definition: clean(definition), target, warnings}
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
