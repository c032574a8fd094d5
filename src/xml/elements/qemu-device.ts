// One -device or -object value in either syntax QEMU takes: JSON, which libvirt writes (openEuler
// libvirt's UB fixtures: -device '{"driver":"vfio-ub",…}'), and the legacy key=value list (earlier
// ubmgr output, and the ubmem_vmmu argument of ub-device-manager). ubmgr writes JSON only, serialized
// from typed values, so no value can add a property. lossless-json follows JSON.stringify's rules and
// also writes and reads 64-bit integers (a UB address), which JSON.stringify/parse cannot.
import {isInteger, parse, stringify} from 'lossless-json'

export type QemuValue = string | number | bigint
/** Properties in output order; a -device has "driver" first, an -object "qom-type". */
export type QemuProps = Record<string, QemuValue>

export const qemuJson = (props: QemuProps): string => stringify(props)!

/** Largest value text ubmgr reads (a -device of ubmgr's is under 400 characters). */
const MAX_VALUE = 4096
const KIND: Record<string, string> = {'-device': 'driver', '-object': 'qom-type'}

/**
 * The properties of a -device/-object value, integers as bigint; undefined when it is neither JSON
 * nor a key=value list (e.g. an option ubmgr does not read).
 */
export function parseQemuValue(option: string, text: string): QemuProps | undefined {
  const kind = KIND[option]
  if (!kind || text.length > MAX_VALUE) return undefined
  if (text.trimStart().startsWith('{')) {
    let value: unknown
    try {
      value = parse(text, null, (n) => (isInteger(n) ? BigInt(n) : Number(n)))
    } catch {
      return undefined
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    const entries = Object.entries(value)
    if (!entries.every(([, v]) => typeof v === 'string' || typeof v === 'bigint' || typeof v === 'number')) return undefined
    return typeof (value as QemuProps)[kind] === 'string' ? (value as QemuProps) : undefined
  }
  const [first, ...rest] = splitOpts(text)
  if (!first || first.includes('=')) return undefined
  const props: QemuProps = {[kind]: first}
  for (const item of rest) {
    const eq = item.indexOf('=')
    if (eq <= 0) return undefined
    const v = item.slice(eq + 1)
    props[item.slice(0, eq)] = /^(0x[0-9a-f]+|[0-9]+)$/i.test(v) ? BigInt(v.toLowerCase()) : v
  }
  return props
}

/** QemuOpts: items split at ",", where ",," is a literal comma. */
function splitOpts(text: string): string[] {
  const out: string[] = []
  let cur = ''
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== ',') cur += text[i]
    else if (text[i + 1] === ',') {
      cur += ','
      i++
    } else {
      out.push(cur)
      cur = ''
    }
  }
  out.push(cur)
  return out
}
