// Safe XML reading: no DTDs, no entity declarations (so no entity expansion or external entities), a size
// and depth limit checked before the parser runs, and one clear error line naming the file.
import {XMLParser, XMLValidator} from 'fast-xml-parser'

import {UbmgrError} from '../ground/errors.js'
import type {XmlElement, XmlNode} from './tree.js'

export const MAX_XML_BYTES = 16 * 1024 * 1024
export const MAX_XML_DEPTH = 128

const NAMED: Record<string, string> = {amp: '&', apos: "'", gt: '>', lt: '<', quot: '"'}
/** A character XML can hold (the Char production); other references are left as written. */
const isXmlChar = (cp: number) => cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)

/**
 * XML's five named entities and numeric character references (&#10;, &#x41;), decoded in one pass, so
 * "&amp;#10;" stays the text "&#10;". No HTML entities, and no declared ones (DTDs are refused).
 */
const xmlEntities = {
  setExternalEntities() {},
  addInputEntities() {},
  reset() {},
  setXmlVersion() {},
  decode: (text: string): string =>
    text.replace(/&(?:(amp|apos|gt|lt|quot)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/g, (ref, name?: string, dec?: string, hex?: string) => {
      if (name) return NAMED[name]
      const cp = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16)
      return isXmlChar(cp) ? String.fromCodePoint(cp) : ref
    }),
}

export function parseXml(text: string, file = '<xml>'): XmlElement {
  if (Buffer.byteLength(text) > MAX_XML_BYTES)
    throw new UbmgrError(`${file}: XML is ${Buffer.byteLength(text)} bytes; the limit is ${MAX_XML_BYTES} (16 MiB)`)
  if (text.includes('\0')) throw new UbmgrError(`${file}: binary data (NUL bytes), expected XML`)
  const dtd = /<!(DOCTYPE|ENTITY)/i.exec(text)
  if (dtd) {
    const {line, col} = lineCol(text, dtd.index)
    throw new UbmgrError(`${file}:${line}:${col}: DTD and entity declarations are not accepted (<!${dtd[1]}>)`)
  }
  checkDepth(text, file)
  const check = XMLValidator.validate(text, {allowBooleanAttributes: false})
  if (check !== true) throw new UbmgrError(`${file}:${check.err.line}:${check.err.col}: malformed XML: ${check.err.msg}`)
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    processEntities: true,
    entityDecoder: xmlEntities,
    ignoreDeclaration: true,
    ignorePiTags: true,
  })
  const nodes = parser.parse(text) as RawNode[]
  const roots = nodes.map(convert).filter((n): n is XmlElement => n !== undefined && 'name' in n)
  if (roots.length !== 1) throw new UbmgrError(`${file}: expected one root element, found ${roots.length}`)
  return roots[0]
}

type RawNode = Record<string, unknown>

function convert(raw: RawNode): XmlNode | undefined {
  if ('#text' in raw) {
    const text = String(raw['#text'])
    return text.trim() === '' ? undefined : {text}
  }
  const name = Object.keys(raw).find((k) => k !== ':@')
  if (name === undefined || name.startsWith('?') || name === '#comment') return undefined
  const attrs = Object.entries((raw[':@'] as Record<string, unknown>) ?? {}).map(([k, v]): [string, string] => [k, String(v)])
  const children = ((raw[name] as RawNode[]) ?? []).map(convert).filter((n): n is XmlNode => n !== undefined)
  // Text content is trimmed only when it sits alone in an element (indentation otherwise).
  const onlyText = children.every((c) => 'text' in c)
  return {name, attrs, children: onlyText ? children : children.map((c) => ('text' in c ? {text: c.text.trim()} : c))}
}

function checkDepth(text: string, file: string): void {
  let depth = 0
  const tag = /<(\/?)[A-Za-z_][^>]*?(\/?)>/g
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    if (m[1]) depth--
    else if (!m[2]) depth++
    if (depth > MAX_XML_DEPTH) {
      const {line, col} = lineCol(text, m.index)
      throw new UbmgrError(`${file}:${line}:${col}: XML nested deeper than ${MAX_XML_DEPTH} levels`)
    }
  }
}

function lineCol(text: string, index: number): {line: number; col: number} {
  const before = text.slice(0, index)
  const line = before.split('\n').length
  return {line, col: index - before.lastIndexOf('\n')}
}
