// Deterministic XML text in virsh dumpxml's style: two-space indent, single-quoted attributes, empty
// elements self-closed, text-only elements on one line. Every attribute and text value is escaped.
import {escapeForXml} from '../ground/text.js'
import {isElement, type XmlElement} from './tree.js'

// Characters a terminal would act on (C1 controls, bidi overrides) are written as character references: the
// same value once parsed, and the XML can be shown on a terminal safely.
const escapeText = (s: string) => escapeForXml(s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))
const escapeAttr = (s: string) => escapeText(s).replace(/'/g, '&apos;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;')

export function serialize(root: XmlElement): string {
  const out: string[] = []
  write(root, 0, out)
  return out.join('\n') + '\n'
}

function write(e: XmlElement, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth)
  const open = `<${e.name}${e.attrs.map(([k, v]) => ` ${k}='${escapeAttr(v)}'`).join('')}`
  if (e.children.length === 0) {
    out.push(`${pad}${open}/>`)
    return
  }
  if (e.children.every((c) => !isElement(c))) {
    out.push(`${pad}${open}>${escapeText(e.children.map((c) => (c as {text: string}).text).join(''))}</${e.name}>`)
    return
  }
  out.push(`${pad}${open}>`)
  for (const c of e.children) {
    if (isElement(c)) write(c, depth + 1, out)
    else if (c.text.trim() !== '') out.push(`${pad}  ${escapeText(c.text.trim())}`)
  }
  out.push(`${pad}</${e.name}>`)
}
