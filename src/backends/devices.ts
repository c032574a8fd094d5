// Device files for attach-device/detach-device: one UB device, fusion device, disk or interface, in
// YAML/JSON or as an XML fragment of any render target; and adding/removing one in a definition.
import {loadDocumentBytes, MAX_DEFINITION_BYTES, type LoadedDocument} from '../definition/load.js'
import type {DiskDef, FusionDeviceDef, FusionMemberDef, InterfaceDef, UbDeviceDef, UbVmDefinition} from '../definition/types.js'
import {eidOwner} from '../definition/eids.js'
import {hex, toInt} from '../definition/units.js'
import {validateData} from '../definition/validate.js'
import {UbmgrError} from '../ground/errors.js'
import {inputName, readInput} from '../ground/input.js'
import {formatProblem, isError} from '../ground/problem.js'
import {diskFromXml} from '../xml/elements/disk.js'
import {fusionFromXml, memberFromXml} from '../xml/elements/fusion-device.js'
import {interfaceFromXml} from '../xml/elements/interface.js'
import {ubDeviceFromXml} from '../xml/elements/ub-device.js'
import {parseXml} from '../xml/parse.js'
import {attr, child, el, elements, type XmlElement} from '../xml/tree.js'
import {intAttr} from '../xml/elements/values.js'
import {looksLikeXml} from './define-input.js'

/** Where the device's own fields are in its file, so problems point at FILE:LINE:COL (YAML/JSON files only). */
interface DeviceSource {
  file: string
  /** the device's pointer inside its file: '' for a bare device, '/ubDevice' for a wrapped one */
  at?: string
  locate?: LoadedDocument['locate']
}

export type DeviceFile =
  | ({kind: 'ub-device'; def: UbDeviceDef} & DeviceSource)
  | ({kind: 'fusion'; def: FusionDeviceDef} & DeviceSource)
  | ({kind: 'disk'; def: DiskDef} & DeviceSource)
  | ({kind: 'interface'; def: InterfaceDef} & DeviceSource)
  | ({kind: 'fusion-member'; def: FusionMemberFile} & DeviceSource)

/** One member of a fusion device, for hot-plug: the device's name plus the member's fields. ubmgr's design. */
export type FusionMemberFile = FusionMemberDef & {device: string}

const WRAPPERS = {ubDevice: 'ub-device', fusion: 'fusion', disk: 'disk', interface: 'interface', fusionMember: 'fusion-member'} as const

/** A device file ("-" = stdin), read once and bounded like a definition. */
export async function loadDeviceFile(file: string): Promise<DeviceFile> {
  const name = inputName(file)
  const bytes = await readInput(file, {maxBytes: MAX_DEFINITION_BYTES, what: 'a device file'})
  return looksLikeXml(bytes) ? deviceFromXml(decodeXml(bytes, name), name) : deviceFromYaml(bytes, name)
}

function decodeXml(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes).replace(/^\uFEFF/, '')
  } catch {
    throw new UbmgrError(`${file}: not valid UTF-8 text, expected XML`)
  }
}

/**
 * A YAML/JSON device: either wrapped in one key (ubDevice:, fusion:, disk:, interface:) or bare, its kind
 * told by its fields (members → fusion; host or pool → UB device; target → disk; type → interface).
 */
function deviceFromYaml(bytes: Buffer, file: string): DeviceFile {
  const doc = loadDocumentBytes(bytes, file)
  const data = doc.data as Record<string, unknown>
  const keys = Object.keys(data)
  const src = (at: string) => ({file, at, locate: doc.locate})
  if (keys.length === 1 && keys[0] in WRAPPERS && typeof data[keys[0]] === 'object')
    return {kind: WRAPPERS[keys[0] as keyof typeof WRAPPERS], def: data[keys[0]], ...src(`/${keys[0]}`)} as DeviceFile
  if ('members' in data) return {kind: 'fusion', def: data as unknown as FusionDeviceDef, ...src('')}
  if ('host' in data || 'pool' in data) return {kind: 'ub-device', def: data as unknown as UbDeviceDef, ...src('')}
  if ('target' in data) return {kind: 'disk', def: data as unknown as DiskDef, ...src('')}
  if ('type' in data) return {kind: 'interface', def: data as unknown as InterfaceDef, ...src('')}
  throw new UbmgrError(`${file}: cannot tell what device this is: wrap it in one of ubDevice:, fusion:, disk:, interface:`)
}

function deviceFromXml(text: string, file: string): DeviceFile {
  const e = parseXml(text, file)
  const unsupported = () => new UbmgrError(`error: unsupported configuration: unknown device type '${e.name}'`)
  switch (e.name) {
    case 'disk':
      return {kind: 'disk', def: diskFromXml(e) ?? fail(`${file}: this <disk> is not one ubmgr models (file or block, qcow2 or raw)`), file}
    case 'interface':
      return {kind: 'interface', def: interfaceFromXml(e) ?? fail(`${file}: this <interface> is not one ubmgr models`), file}
    case 'ub-device':
      return {kind: 'ub-device', def: ubDeviceFromXml(e, file), file}
    case 'fusion-device':
      return {kind: 'fusion', def: fusionFromXml(e, file), file}
    case 'member': {
      const device = attr(e, 'fusion')
      if (!device) throw new UbmgrError(`${file}: a <member> fragment names its device: <member fusion='NAME' …>`)
      return {kind: 'fusion-member', def: {...memberFromXml(e, file), device}, file}
    }
    case 'hostdev':
      if (attr(e, 'type') === 'ub') return {kind: 'ub-device', def: ubHostdevToDevice(e, file), file}
      throw unsupported()
    default:
      throw unsupported()
  }
}

/** openEuler's <hostdev type='ub'> fragment as a UB device (named after its alias). */
function ubHostdevToDevice(e: XmlElement, file: string): UbDeviceDef {
  const host = attr(child(child(e, 'source') ?? el('source'), 'address') ?? el('address'), 'guid')
  if (!host) throw new UbmgrError(`${file}: <hostdev type='ub'> needs <source><address guid=…/></source>`)
  const address = child(e, 'address') ?? el('address')
  const ports = child(e, 'ports')
  const guest = attr(address, 'guid')
  return {
    name: (attr(child(e, 'alias') ?? el('alias'), 'name') ?? 'ub').replace(/[^A-Za-z0-9_.-]/g, '-'),
    host: {guid: host},
    guestGuid: guest && guest.toLowerCase() !== host.toLowerCase() ? guest : undefined,
    eid: intAttr(address, 'eid', file) ?? 'auto',
    ports: ports ? intAttr(ports, 'num', file) : undefined,
    links: ports ? elements(ports, 'port').map((p) => ({port: intAttr(p, 'index', file)!, controllerPort: intAttr(p, 'tport', file) ?? 'auto'})) : undefined,
  }
}

function fail(message: string): never {
  throw new UbmgrError(message)
}

export function deviceLabel(d: DeviceFile): string {
  switch (d.kind) {
    case 'disk':
      return `disk ${d.def.target}`
    case 'interface':
      return `interface ${d.def.mac ?? `${d.def.type} ${d.def.source ?? ''}`.trim()}`
    case 'ub-device':
      return `UB device ${d.def.name}`
    case 'fusion':
      return `fusion device ${d.def.name}`
    case 'fusion-member':
      return `member ${d.def.card ?? d.def.host?.guid ?? 'pool'} of fusion device ${d.def.device}`
  }
}

/** The member as the definition holds it, without the device it names. */
const memberOf = ({host, pool, card, weight, role, queues}: FusionMemberFile): FusionMemberDef => clone({host, pool, card, weight, role, queues})

const sameMember = (a: FusionMemberDef, b: FusionMemberDef) =>
  (a.host && b.host && a.host.guid.toLowerCase() === b.host.guid.toLowerCase()) || (a.card !== undefined && a.card === b.card)

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T

/** The definition with the device added; refuses duplicates with libvirt's words and re-validates. */
export function withDevice(definition: UbVmDefinition, d: DeviceFile): UbVmDefinition {
  const next = clone(definition)
  let at: string
  switch (d.kind) {
    case 'disk':
      if ((next.disks ?? []).some((x) => x.target === d.def.target)) fail(`error: Requested operation is not valid: target ${d.def.target} already exists`)
      next.disks = [...(next.disks ?? []), d.def]
      at = `/disks/${next.disks.length - 1}`
      break
    case 'interface':
      next.interfaces = [...(next.interfaces ?? []), d.def]
      at = `/interfaces/${next.interfaces.length - 1}`
      break
    case 'ub-device':
    case 'fusion': {
      if (!next.ub) fail(`error: unsupported configuration: domain '${next.name}' has no UB bus: define a ub: section first`)
      const list = d.kind === 'ub-device' ? (next.ub.devices ??= []) : (next.ub.fusion ??= [])
      const names = [...(next.ub.devices ?? []), ...(next.ub.fusion ?? [])].map((x) => x.name)
      if (names.includes(d.def.name)) fail(`error: Requested operation is not valid: device '${d.def.name}' is already in the domain configuration`)
      // an explicit EID that an existing device has (explicitly or as its auto EID) would renumber that device
      const owner = eidOwner(definition, d.def.eid)
      if (owner) fail(`error: Requested operation is not valid: EID ${hex(toInt(d.def.eid as number | string)!)} of '${d.def.name}' is already used by '${owner}'`)
      at = `/ub/${d.kind === 'ub-device' ? 'devices' : 'fusion'}/${(list as unknown[]).push(d.def) - 1}`
      break
    }
    case 'fusion-member': {
      const f = next.ub?.fusion?.find((x) => x.name === d.def.device) ?? fail(`error: device not found: no fusion device named '${d.def.device}'`)
      if (f.members.some((m) => sameMember(m, d.def))) fail(`error: Requested operation is not valid: ${deviceLabel(d)} is already in the domain configuration`)
      at = `/ub/fusion/${next.ub!.fusion!.indexOf(f)}/members/${f.members.push(memberOf(d.def)) - 1}`
      break
    }
  }
  checkMerged(next, d, at)
  return next
}

/**
 * The definition with the device in it must still validate. A problem inside the device is shown at its place
 * in the device file (FILE:LINE:COL and the file's own pointer); one elsewhere names the domain's pointer.
 */
function checkMerged(next: UbVmDefinition, d: DeviceFile, at: string): void {
  const inDevice = (pointer: string) => pointer === at || pointer.startsWith(`${at}/`)
  const own = (pointer: string) => `${d.at ?? ''}${pointer.slice(at.length)}`
  const locate: LoadedDocument['locate'] = (pointer, opts) => (inDevice(pointer) && d.locate ? d.locate(own(pointer), opts) : {line: 0, col: 0})
  const problems = validateData(next, {file: d.file, locate}).filter(isError)
  if (problems.length === 0) return
  const lines = problems.map((p) =>
    inDevice(p.pointer) ? formatProblem({...p, pointer: own(p.pointer)}) : `${d.file}: in domain '${next.name}': ${formatProblem({...p, file: 'x', line: 0}).replace(/^x: /, '')}`,
  )
  throw new UbmgrError(lines, 1, {problems})
}

/** The definition without the device; refuses what is not there with libvirt's words. */
export function withoutDevice(definition: UbVmDefinition, d: DeviceFile): UbVmDefinition {
  const next = clone(definition)
  const remove = <T>(items: T[] | undefined, match: (x: T) => boolean, missing: string): T[] => {
    const i = (items ?? []).findIndex(match)
    if (i < 0) fail(missing)
    return items!.filter((_, j) => j !== i)
  }
  switch (d.kind) {
    case 'disk':
      next.disks = remove(next.disks, (x) => x.target === d.def.target, `error: device not found: no target device ${d.def.target}`)
      break
    case 'interface': {
      const mac = d.def.mac?.toLowerCase()
      next.interfaces = remove(
        next.interfaces,
        (x) => (mac ? x.mac?.toLowerCase() === mac : x.type === d.def.type && x.source === d.def.source),
        'error: operation failed: no matching network device was found',
      )
      break
    }
    case 'ub-device':
      next.ub = {...next.ub!, devices: remove(next.ub?.devices, (x) => x.name === d.def.name, `error: device not found: no UB device named '${d.def.name}'`)}
      break
    case 'fusion':
      next.ub = {...next.ub!, fusion: remove(next.ub?.fusion, (x) => x.name === d.def.name, `error: device not found: no fusion device named '${d.def.name}'`)}
      break
    case 'fusion-member': {
      const f = next.ub?.fusion?.find((x) => x.name === d.def.device) ?? fail(`error: device not found: no fusion device named '${d.def.device}'`)
      f.members = remove(f.members, (m) => sameMember(m, d.def), `error: device not found: no ${deviceLabel(d)}`)
      break
    }
  }
  if (next.disks?.length === 0) delete next.disks
  if (next.interfaces?.length === 0) delete next.interfaces
  if (next.ub?.devices?.length === 0) delete next.ub.devices
  if (next.ub?.fusion?.length === 0) delete next.ub.fusion
  return next
}
