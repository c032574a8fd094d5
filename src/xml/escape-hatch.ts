// The `libvirt:` escape hatch: libvirt XML ubmgr does not model, carried verbatim. It is checked when a
// definition is validated, so whatever define stores renders for ever after: each entry is one well-formed
// element (no DTD, no entities); never an element ubmgr renders itself (name, memory, devices, the UB
// controller and hostdevs, the UMMU, ubmgr's metadata); a domain element at most once; and `qemu:`
// elements only with `libvirt.allowQemu: true` — and even then never touching ubmgr's own devices.
import {obj, type RuleProblem} from '../definition/rules/problem.js'
import {UbmgrError} from '../ground/errors.js'
import {QEMU_NS, QEMU_PREFIX, UBMGR_NS, UBMGR_PREFIX} from './namespaces.js'
import {DEVICE_ORDER, DOMAIN_ORDER} from './order.js'
import {parseXml} from './parse.js'
import {attr, elements, type XmlElement} from './tree.js'

/** Domain elements ubmgr renders from definition fields, and the field to use instead. */
const RENDERED: Record<string, string> = {
  name: 'name',
  uuid: 'uuid',
  title: 'title',
  description: 'description',
  memory: 'memory',
  vcpu: 'vcpus',
  os: 'arch, machine and boot',
  devices: 'disks, interfaces, ub and libvirt.devices',
  iommufds: 'ub.ummu.iommufd',
}

/** ubmgr's own device elements (target ubmgr). */
const UBMGR_DEVICES = new Set(['ub-controller', 'ub-device', 'fusion-device'])

/** Domain elements libvirt accepts more than once; every other one it takes once. */
const REPEATABLE = new Set(['seclabel', 'sysinfo'])

/** QEMU device drivers and machine options of the UB stack: ubmgr writes them from `ub:`. */
const UB_QEMU_NAMES = new Set(['vfio-ub', 'ubc', 'ub-bus-controller', 'ub-ummu', 'ubmem_vmmu', 'ummu', 'ub-cluster-mode'])

/** Aliases and QEMU ids ubmgr gives its devices: ubc.0, ub-N / ub-NAME, ua-fusion-NAME, fusion-NAME, iommufd0. */
const UBMGR_ID = /^(ubc\.\d+|ub-[\w.-]+|ua-fusion-[\w.-]+|fusion-[\w.-]+|iommufd0)$/

/** Problems found in the escape hatch and one warning per QEMU element allowed. */
interface Found {
  problems: RuleProblem[]
  warnings: RuleProblem[]
}

export function checkEscapeHatch(def: Record<string, unknown>): RuleProblem[] {
  const found: Found = {problems: [], warnings: []}
  const libvirt = obj(def.libvirt)
  if (!libvirt) return []
  const allowQemu = libvirt.allowQemu === true
  const hasUb = obj(def.ub) !== undefined
  const first = new Map<string, number>()
  strings(libvirt.domain).forEach((text, i) => {
    const pointer = `/libvirt/domain/${i}`
    const e = fragment(text, `libvirt.domain[${i}]`, pointer, found.problems)
    if (!e) return
    const problem = (message: string): void => void found.problems.push({pointer, rule: 'libvirt-domain', message})
    if (e.name.startsWith(QEMU_PREFIX)) return qemuElement(e, i, pointer, allowQemu, found)
    if (e.name in RENDERED) return problem(`<${e.name}> is rendered by ubmgr; set ${RENDERED[e.name]} in the definition instead`)
    if (!DOMAIN_ORDER.includes(e.name)) return problem(`<${e.name}> is not an element of libvirt's <domain>`)
    if (e.name === 'metadata' && elements(e).some(inUbmgrNamespace)) return problem(`<metadata> holds an element in ubmgr's namespace (${UBMGR_NS}); ubmgr writes that one itself`)
    const earlier = first.get(e.name)
    if (earlier !== undefined && !REPEATABLE.has(e.name)) return problem(`a second <${e.name}>: libvirt.domain[${earlier}] has one already, and libvirt takes one`)
    first.set(e.name, i)
    reservedAliases(e, problem)
  })
  strings(libvirt.devices).forEach((text, i) => {
    const pointer = `/libvirt/devices/${i}`
    const e = fragment(text, `libvirt.devices[${i}]`, pointer, found.problems)
    if (!e) return
    const problem = (message: string): void => void found.problems.push({pointer, rule: 'libvirt-devices', message})
    if (UBMGR_DEVICES.has(e.name)) return problem(`<${e.name}> is ubmgr's own element; describe the device under ub: instead`)
    if (e.name === 'controller' && attr(e, 'type') === 'ub') return problem("<controller type='ub'> is rendered by ubmgr from ub: (busInstance and controller)")
    if (e.name === 'hostdev' && attr(e, 'type') === 'ub')
      return problem("a raw <hostdev type='ub'> would bypass ubmgr's checks (GUID uniqueness, the bus-instance lock); put the device in ub.devices")
    if (e.name === 'iommu' && (attr(e, 'model') === 'ummu' || hasUb))
      return problem(`<iommu${attr(e, 'model') ? ` model='${attr(e, 'model')}'` : ''}> clashes with the UMMU ubmgr renders for ub: (libvirt takes one <iommu>)`)
    if (e.name.startsWith(QEMU_PREFIX)) return problem(`<${e.name}> belongs to the domain, not to <devices>: move it to libvirt.domain`)
    if (!DEVICE_ORDER.includes(e.name)) return problem(`<${e.name}> is not a libvirt device element`)
    reservedAliases(e, problem)
  })
  if (allowQemu && !strings(libvirt.domain).some((t) => t.trimStart().startsWith(`<${QEMU_PREFIX}`)))
    found.warnings.push({pointer: '/libvirt/allowQemu', rule: 'qemu-passthrough', message: 'QEMU pass-through is allowed, but no qemu: element uses it'})
  return [...found.problems, ...found.warnings.map((w): RuleProblem => ({...w, severity: 'warning'}))]
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [])

/** Parse one entry; a parse failure becomes a problem worded for an entry, not a file. */
function fragment(text: string, where: string, pointer: string, problems: RuleProblem[]): XmlElement | undefined {
  try {
    return parseXml(text, where)
  } catch (error) {
    if (!(error instanceof UbmgrError)) throw error
    const rest = error.message.slice(where.length)
    const at = /^:(\d+):(\d+): (.*)$/s.exec(rest)
    let message = at ? `${at[3]} (line ${at[1]}, column ${at[2]} of the entry)` : rest.replace(/^: /, '')
    const roots = /^expected one root element, found (\d+)$/.exec(message)
    if (roots) message = `holds ${roots[1]} elements; each entry holds exactly one element (split it into ${roots[1]} entries)`
    problems.push({pointer, rule: 'libvirt-xml', message})
    return undefined
  }
}

function inUbmgrNamespace(e: XmlElement): boolean {
  return e.name.startsWith(UBMGR_PREFIX) || e.attrs.some(([k, v]) => (k === 'xmlns' || k.startsWith('xmlns:')) && v === UBMGR_NS)
}

/** An <alias name> (or any descendant's) that names one of ubmgr's devices. */
function reservedAliases(e: XmlElement, problem: (message: string) => void): void {
  const walk = (x: XmlElement): void => {
    const alias = x.name === 'alias' ? attr(x, 'name') : undefined
    if (alias !== undefined && UBMGR_ID.test(alias)) problem(`<alias name='${alias}'> is an alias ubmgr gives its own devices`)
    elements(x).forEach(walk)
  }
  walk(e)
}

/** A qemu: element: only with the opt-in, in QEMU's namespace, and never reaching ubmgr's devices. */
function qemuElement(e: XmlElement, i: number, pointer: string, allowQemu: boolean, found: Found): void {
  const problem = (message: string): void => void found.problems.push({pointer, rule: 'qemu-passthrough', message})
  const declared = e.attrs.find(([k]) => k === 'xmlns:qemu')?.[1]
  if (declared !== undefined && declared !== QEMU_NS)
    return problem(`declares xmlns:qemu='${declared}'; libvirt reads only ${QEMU_NS} and silently drops anything else`)
  if (!['qemu:commandline', 'qemu:override', 'qemu:capabilities', 'qemu:deprecation'].includes(e.name))
    return problem(`<${e.name}> is not one of libvirt's QEMU elements (commandline, override, capabilities, deprecation)`)
  const preload = elements(e, 'qemu:env').find((v) => /^LD_(PRELOAD|LIBRARY_PATH|AUDIT)$/.test(attr(v, 'name') ?? ''))
  if (!allowQemu) {
    const what = preload ? `<qemu:env name='${attr(preload, 'name')}'> loads code into QEMU` : `<${e.name}> reaches QEMU unchecked`
    return problem(`${what}; set libvirt.allowQemu: true to allow QEMU pass-through`)
  }
  for (const message of touchesUbmgr(e)) problem(message)
  found.warnings.push({
    pointer,
    rule: 'qemu-passthrough',
    message: `QEMU pass-through: <${e.name}> in libvirt.domain[${i}] reaches QEMU unchecked${preload ? ` (it sets ${attr(preload, 'name')})` : ''}`,
  })
}

/** What in a qemu: element overrides or adds one of ubmgr's own devices; allowed or not, that is refused. */
function touchesUbmgr(e: XmlElement): string[] {
  const out: string[] = []
  if (e.name === 'qemu:override')
    for (const device of elements(e, 'qemu:device')) {
      const alias = attr(device, 'alias') ?? ''
      if (UBMGR_ID.test(alias)) out.push(`<qemu:device alias='${alias}'> overrides one of ubmgr's own devices; change ub: in the definition instead`)
    }
  if (e.name === 'qemu:commandline')
    for (const arg of elements(e, 'qemu:arg')) {
      const value = attr(arg, 'value') ?? ''
      const hit = ubTokens(value)
      if (hit) out.push(`<qemu:arg value='${value.length > 60 ? value.slice(0, 57) + '...' : value}'> touches ubmgr's own UB devices (${hit}); they come from ub: and cannot be overridden`)
    }
  return out
}

/** The first UB driver, machine option or ubmgr device id an argument names, as a token or a `device.ID` path. */
function ubTokens(value: string): string | undefined {
  for (const token of value.split(/[\s,={}:"'[\]]+/)) {
    const parts = token.split('.')
    const candidates = [token, parts[0], parts[0] === 'device' ? parts.slice(1, -1).join('.') || parts[1] : undefined]
    for (const c of candidates) if (c && (UB_QEMU_NAMES.has(c) || UBMGR_ID.test(c))) return c
  }
  return undefined
}
