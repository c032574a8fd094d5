// What the rest of the stack can hold: text that XML can carry, a domain name that can become ubmgr's state
// file name and libvirt's config file name, and a memory size libvirt accepts.
import {encodeKeySegment, MAX_ENCODED_KEY_SEGMENT} from '../../store/key-names.js'
import {sizeToKiB} from '../units.js'
import {type RuleProblem, str} from './problem.js'

/**
 * libvirt keeps `<memory>` in KiB and refuses more than LLONG_MAX bytes: measured with libvirt 9.0,
 * `<memory unit='KiB'>9007199254740991</memory>` (2^53 − 1) is accepted and 9007199254740992 gives
 * "numerical overflow: value too large: 9007199254740992KiB" (virDomainParseMemory caps at LLONG_MAX bytes).
 */
export const LIBVIRT_MAX_MEMORY_KIB = 2n ** 53n - 1n

/**
 * libvirt's QEMU driver writes a domain's config as NAME.xml through a temp file NAME.xml.new, so a name
 * must leave room for ".xml.new" in a 255-byte file name. Measured with libvirt 9.0 (qemu:///session): a
 * 247-byte name defines and starts; 248 bytes fails with "Failed to create file '…/NAME.xml.new': File
 * name too long".
 */
export const LIBVIRT_MAX_NAME_BYTES = 247

/** A surrogate that is not half of a pair: not Unicode text, cannot be written as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Characters XML 1.0 cannot hold (Char production), even escaped. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/

export function limitRules(def: Record<string, unknown>): RuleProblem[] {
  const out: RuleProblem[] = []
  textRule(def, '', out, new Set())
  const name = str(def.name)
  if (name !== undefined && !LONE_SURROGATE.test(name)) nameRule(name, out)
  const memory = str(def.memory)
  const kib = memory === undefined ? undefined : sizeToKiB(memory)
  if (kib !== undefined && kib > LIBVIRT_MAX_MEMORY_KIB)
    out.push({
      pointer: '/memory',
      rule: 'memory-limit',
      message: `${memory} is ${kib} KiB; libvirt holds at most ${LIBVIRT_MAX_MEMORY_KIB} KiB (2^53 − 1, just under 8 EiB)`,
    })
  return out
}

function nameRule(name: string, out: RuleProblem[]): void {
  const bytes = Buffer.byteLength(name)
  if (bytes > LIBVIRT_MAX_NAME_BYTES)
    out.push({pointer: '/name', rule: 'name-length', message: `is ${bytes} bytes in UTF-8; libvirt keeps a domain in a file named after it, so at most ${LIBVIRT_MAX_NAME_BYTES} bytes`})
  const encoded = encodeKeySegment(name).length
  if (encoded > MAX_ENCODED_KEY_SEGMENT && bytes <= LIBVIRT_MAX_NAME_BYTES)
    out.push({
      pointer: '/name',
      rule: 'name-length',
      message: `takes ${encoded} bytes as a file name in ubmgr's store (percent-encoded), more than ${MAX_ENCODED_KEY_SEGMENT}`,
      hint: 'letters, digits and - _ ~ take one byte each; other characters three per UTF-8 byte',
    })
}

/** Every string must be well-formed Unicode and hold only characters XML can carry. */
function textRule(value: unknown, pointer: string, out: RuleProblem[], seen: Set<object>): void {
  if (typeof value === 'string') {
    const lone = LONE_SURROGATE.exec(value)
    const bad = NOT_XML.exec(value)
    if (lone) out.push({pointer, rule: 'text', message: `contains a lone surrogate (${codePoint(lone[0])}), which is not Unicode text and cannot be written as UTF-8`})
    else if (bad) out.push({pointer, rule: 'text', message: `contains the control character ${codePoint(bad[0])}, which XML cannot carry`})
    return
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) return
  seen.add(value)
  if (Array.isArray(value)) value.forEach((v, i) => textRule(v, `${pointer}/${i}`, out, seen))
  else for (const [k, v] of Object.entries(value)) textRule(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out, seen)
}

const codePoint = (c: string): string => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`
