// ajv's errors → one readable Problem each. ajv reports every failed branch of a oneOf; users need one
// line that says what the value may be, so branch errors are folded into their oneOf.
import type {ErrorObject} from 'ajv'

import type {RuleProblem} from './rules/problem.js'

/** What a value of each $defs type may be, for pattern and oneOf failures. */
const EXPECTED: Record<string, string> = {
  guid: 'a UB GUID: vendor-device-version-type-rsv-seqnum in hex, 37 characters (e.g. cc08-a000-0-1-000000-0000000000000001)',
  size: 'a size with a binary unit: KiB, MiB, GiB or TiB (e.g. 16GiB)',
  domainName: 'a libvirt domain name: no "/" and no control characters',
  deviceName: 'a device name: a letter, then up to 47 letters, digits, "_", "." or "-"',
  eid: 'an EID: auto, an integer 1..1048575 (0xFFFFF), or a 0x-hex string of up to 5 digits',
  eidNumber: 'an EID: an integer 1..1048575 (0xFFFFF), or a 0x-hex string of up to 5 digits',
  failback: 'immediate, manual, or {afterSeconds: N}',
}

/** What a pattern-checked property must look like, by property name, for patterns outside $defs. */
const EXPECTED_BY_PROPERTY: Record<string, string> = {
  source: 'an absolute path (starting with /)',
  'interfaces.source': 'a network, bridge or host interface name without "/" or control characters',
  bandwidth: 'a bandwidth like 50Gbit/s or 800Mbit/s',
  mac: 'a MAC address like 52:54:00:12:34:56',
  uuid: 'a UUID like 6a1f2c3d-1111-4222-8333-944455566677',
  mdevUuid: 'a UUID like 6a1f2c3d-1111-4222-8333-944455566677',
  target: 'a guest disk name like vda, sdb or hdc',
  machine: 'a QEMU machine type like virt',
  card: 'a card name: letters, digits and _ . : -',
  title: 'one line of text',
}

const HINTS: Record<string, (value: unknown) => string | undefined> = {
  size: sizeHint,
  guid: () => 'the GUID type field (4th) is 0 for a bus instance, 1 for a device, 2 for an idevice or controller',
}

const BINARY = ['K', 'M', 'G', 'T'] as const

/** What a rejected size means and what to write, worked out from the value itself. */
export function sizeHint(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined
  if (text === undefined) return undefined
  if (/^\d+$/.test(text)) return `a bare number has no unit: write ${text}MiB if you meant MiB, or ${text}KiB for KiB (libvirt's default unit)`
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT])[bB]?$/.exec(text)
  if (!m) return 'write a whole number and a binary unit, e.g. 16GiB or 512MiB'
  const unit = m[2].toUpperCase() as (typeof BINARY)[number]
  const power = BINARY.indexOf(unit) + 1
  const bytes = Number(m[1]) * 1000 ** power
  // the exact size in the largest binary unit that holds it as a whole number (sizes are integers), else KiB rounded down
  let exact = `${Math.floor(bytes / 1024)}KiB (rounded down)`
  for (let p = power; p >= 1; p--)
    if (Number.isInteger(bytes / 1024 ** p)) {
      exact = `${bytes / 1024 ** p}${BINARY[p - 1]}iB`
      break
    }
  const approx = (bytes / 1024 ** power).toFixed(2)
  const whole = Number.isInteger(Number(m[1])) ? `${m[1]}${unit}iB` : `${Math.round(Number(m[1]) * 1024)}${BINARY[power - 2] ?? 'K'}iB`
  return `${text} is ${m[1]}×10^${3 * power} bytes ≈ ${approx}${unit}iB: write ${whole} if you meant binary units, or ${exact} for that size`
}

export function schemaProblems(errors: ErrorObject[]): RuleProblem[] {
  const oneOfBranches = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.schemaPath.replace(/\/oneOf$/, '/oneOf/'))
  const insideOneOf = (e: ErrorObject) => oneOfBranches.some((p) => e.schemaPath.startsWith(p))
  const seen = new Set<string>()
  const out: RuleProblem[] = []
  for (const error of errors) {
    if (error.keyword !== 'oneOf' && insideOneOf(error)) continue
    const problem = toProblem(error)
    const id = `${problem.pointer}\0${problem.message}`
    if (seen.has(id)) continue
    seen.add(id)
    out.push(problem)
  }
  return out
}

function defName(schemaPath: string): string | undefined {
  const m = /#\/\$defs\/([A-Za-z]+)\/(?:pattern|oneOf)$/.exec(schemaPath) ?? /#\/\$defs\/([A-Za-z]+)\/[a-z]+$/.exec(schemaPath)
  return m?.[1]
}

function got(value: unknown): string {
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 60 ? text.slice(0, 57) + '...' : text
}

function toProblem(error: ErrorObject): RuleProblem {
  const pointer = error.instancePath
  const rule = error.keyword
  const p = error.params as Record<string, unknown>
  // Only pattern and oneOf messages name the $defs type; working it out for every error costs time at 40,000.
  const def = error.keyword === 'pattern' || error.keyword === 'oneOf' ? defName(error.schemaPath) : undefined
  switch (error.keyword) {
    case 'required':
      return {pointer, key: false, rule, message: `missing required property '${p.missingProperty}'`}
    case 'additionalProperties': {
      const name = String(p.additionalProperty)
      const allowed = allowedProperties(error.parentSchema)
      const near = closest(name, allowed.names, allowed.lower)
      return {
        pointer: `${pointer}/${escapePointer(name)}`,
        key: true,
        rule,
        message: `unknown property '${name}'${near ? ` (did you mean '${near}'?)` : ''}`,
        hint: near ? undefined : allowed.hint,
      }
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String)
      const near = typeof error.data === 'string' ? closest(error.data, allowed) : undefined
      return {pointer, rule, message: `must be one of: ${allowed.join(', ')} (got ${got(error.data)})${near ? ` (did you mean '${near}'?)` : ''}`}
    }
    case 'const':
      return {pointer, rule, message: `must be ${got(p.allowedValue)} (got ${got(error.data)})`}
    case 'type': {
      // a value of the wrong type where a $defs type is expected says what that type looks like
      const typeDef = defName(error.schemaPath)
      const expected = typeDef ? EXPECTED[typeDef] : undefined
      return {pointer, rule, message: `must be ${expected ?? article(String(p.type))} (got ${got(error.data)})`, hint: typeDef ? HINTS[typeDef]?.(error.data) : undefined}
    }
    case 'pattern':
      return {
        pointer,
        rule,
        message: `must be ${EXPECTED[def ?? ''] ?? (EXPECTED_BY_PROPERTY[`${pointer.split('/')[1]}.${lastSegment(pointer)}`] ?? EXPECTED_BY_PROPERTY[lastSegment(pointer)]) ?? `text matching ${p.pattern}`} (got ${got(error.data)})`,
        hint: def ? HINTS[def]?.(error.data) : undefined,
      }
    case 'oneOf':
      return oneOfProblem(error, pointer, def)
    case 'minimum':
    case 'maximum':
      return {pointer, rule, message: `must be ${p.comparison} ${p.limit} (got ${got(error.data)})`}
    case 'minItems':
      return {pointer, rule, message: `must have at least ${p.limit} item${p.limit === 1 ? '' : 's'}`}
    case 'maxItems':
      return {pointer, rule, message: `must have at most ${p.limit} items`}
    case 'minLength':
      return {pointer, rule, message: `must not be empty`}
    case 'maxLength':
      return {pointer, rule, message: `must be at most ${p.limit} characters`}
    case 'uniqueItems':
      return {pointer: `${pointer}/${p.i}`, rule, message: `duplicate item (same as item ${p.j})`}
    default:
      return {pointer, rule, message: error.message ?? 'is invalid'}
  }
}

function oneOfProblem(error: ErrorObject, pointer: string, def: string | undefined): RuleProblem {
  const value = error.data as Record<string, unknown> | undefined
  const branches = (error.schema as Array<{required?: string[]}>) ?? []
  const alternatives = branches.map((b) => b.required?.[0]).filter((x): x is string => Boolean(x))
  if (alternatives.length === branches.length && alternatives.length > 0 && value && typeof value === 'object') {
    const present = alternatives.filter((a) => a in value)
    const list = alternatives.join(' or ')
    return present.length === 0
      ? {pointer, rule: 'oneOf', message: `missing ${list} (give exactly one)`}
      : {pointer: `${pointer}/${present[1]}`, key: true, rule: 'oneOf', message: `give exactly one of ${list}, not both`}
  }
  const expected = EXPECTED[def ?? ''] ?? intOrHex(branches as Array<{type?: string; maximum?: number; minimum?: number}>)
  return {pointer, rule: 'oneOf', message: `must be ${expected ?? 'one of the allowed forms'} (got ${got(error.data)})`}
}

/** The int-or-hex pattern of the schema: [{type: integer, minimum, maximum}, {type: string, pattern: 0x…}]. */
function intOrHex(branches: Array<{type?: string; maximum?: number; minimum?: number}>): string | undefined {
  const int = branches.find((b) => b.type === 'integer')
  if (branches.length !== 2 || !int || !branches.some((b) => b.type === 'string')) return undefined
  const max = int.maximum
  return `an integer ${int.minimum ?? 0}..${max === undefined ? '' : max > 0xffff ? '0x' + max.toString(16) : max} or the same as a 0x-hex string`
}

const lastSegment = (pointer: string) => pointer.slice(pointer.lastIndexOf('/') + 1)

function article(type: string): string {
  return (/^[aeiou]/.test(type) ? 'an ' : 'a ') + type
}

const escapePointer = (s: string) => (s.includes('~') || s.includes('/') ? s.replace(/~/g, '~0').replace(/\//g, '~1') : s)

/** A schema object's property names and the hint listing them, worked out once per schema object. */
const allowedCache = new WeakMap<object, {names: string[]; lower: string[]; hint: string}>()
function allowedProperties(schema: unknown): {names: string[]; lower: string[]; hint: string} {
  const key = (typeof schema === 'object' && schema !== null ? schema : {}) as {properties?: object}
  let found = allowedCache.get(key)
  if (!found) {
    const names = Object.keys(key.properties ?? {})
    found = {names, lower: names.map((n) => n.toLowerCase()), hint: `allowed here: ${names.join(', ')}`}
    allowedCache.set(key, found)
  }
  return found
}

/** Closest allowed name by edit distance, if it is plausibly a typo. */
export function closest(name: string, candidates: string[], lowered = candidates.map((c) => c.toLowerCase())): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3))
  const lower = name.toLowerCase()
  let best: string | undefined
  let bestDistance = Infinity
  candidates.forEach((c, i) => {
    // The distance is at least the difference in length: most names are ruled out without computing it.
    if (Math.abs(c.length - name.length) > limit) return
    const d = editDistance(lower, lowered[i], Math.min(limit, bestDistance))
    if (d < bestDistance) [best, bestDistance] = [c, d]
  })
  return best !== undefined && bestDistance <= limit ? best : undefined
}

/** Levenshtein distance, or limit + 1 as soon as it must exceed the limit (a row's minimum never falls). */
let row = new Int32Array(64)
function editDistance(a: string, b: string, limit: number): number {
  if (row.length <= b.length) row = new Int32Array(b.length + 1)
  for (let j = 0; j <= b.length; j++) row[j] = j
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]
    row[0] = i
    let rowMin = i
    const ca = a.charCodeAt(i - 1)
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]
      const v = Math.min(tmp + 1, row[j - 1] + 1, prev + (ca === b.charCodeAt(j - 1) ? 0 : 1))
      row[j] = v
      if (v < rowMin) rowMin = v
      prev = tmp
    }
    if (rowMin > limit) return limit + 1
  }
  return row[b.length]
}
