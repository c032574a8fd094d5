// Read a definition file (YAML, or JSON — JSON is YAML 1.2, so one parser serves both) keeping source
// positions, and refuse hostile or broken input with one clear line that names the file.
import {readFile, stat} from 'node:fs/promises'
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
  type ScalarTag,
} from 'yaml'

import {UbmgrError} from '../ground/errors.js'

/** Definitions are small; anything bigger is a mistake or an attack. */
export const MAX_DEFINITION_BYTES = 4 * 1024 * 1024
export const MAX_NESTING = 64
const MAX_ALIASES = 100

export interface Position {
  line: number
  col: number
}

export interface LoadedDocument {
  file: string
  data: unknown
  /** Position of the value at a JSON pointer; `key: true` gives the position of its key instead. */
  locate(pointer: string, opts?: {key?: boolean}): Position
}

/**
 * YAML 1.2 reads 0x2a as the number 42, and 64-bit values lose precision as JS numbers. Hex stays a
 * string ("0x2a"); the schema accepts hex strings wherever a number may be written in hex.
 */
const hexAsString: ScalarTag = {
  identify: () => false,
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'HEX',
  test: /^0x[0-9a-fA-F]+$/,
  resolve: (text: string) => text,
}

export async function loadDocumentFile(file: string): Promise<LoadedDocument> {
  let bytes: Buffer
  try {
    const info = await stat(file)
    if (info.isDirectory()) throw new UbmgrError(`${file}: is a directory, not a definition file`)
    if (info.size > MAX_DEFINITION_BYTES) throw tooBig(file, info.size)
    bytes = await readFile(file)
  } catch (error) {
    if (error instanceof UbmgrError) throw error
    throw new UbmgrError(`${file}: cannot read: ${describeFsError(error)}`)
  }
  return loadDocumentBytes(bytes, file)
}

export function loadDocumentBytes(bytes: Buffer, file: string): LoadedDocument {
  if (bytes.length > MAX_DEFINITION_BYTES) throw tooBig(file, bytes.length)
  if (bytes.includes(0)) throw new UbmgrError(`${file}: binary file (contains NUL bytes), expected YAML or JSON`)
  let text: string
  try {
    text = new TextDecoder('utf-8', {fatal: true}).decode(bytes)
  } catch {
    throw new UbmgrError(`${file}: not valid UTF-8 text, expected YAML or JSON`)
  }
  return loadDocumentText(text.replace(/^\uFEFF/, ''), file)
}

export function loadDocumentText(text: string, file: string): LoadedDocument {
  if (text.trim() === '' || /^(\s*#.*\n?)*\s*$/.test(text)) throw new UbmgrError(`${file}: empty file, expected a VM definition`)
  const lineCounter = new LineCounter()
  const docs = parseAllDocuments(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    customTags: (tags) => [hexAsString, ...tags],
  })
  if (!Array.isArray(docs)) throw new UbmgrError(`${file}: empty file, expected a VM definition`)
  const pos = (offset: number): Position => {
    const {line, col} = lineCounter.linePos(offset)
    return {line, col}
  }
  if (docs.length > 1) {
    const p = pos(docs[1].range[0])
    throw new UbmgrError(`${file}:${p.line}:${p.col}: more than one YAML document; a file holds one VM definition`)
  }
  const doc = docs[0]
  const first = doc.errors[0]
  if (first) {
    const p = pos(first.pos[0])
    throw new UbmgrError(`${file}:${p.line}:${p.col}: ${parseMessage(first.code, first.message)}`)
  }
  checkTree(doc, file, pos)
  let data: unknown
  try {
    data = doc.toJS({maxAliasCount: MAX_ALIASES})
  } catch (error) {
    throw new UbmgrError(`${file}: ${(error as Error).message.split('\n')[0]} (alias expansion is limited to ${MAX_ALIASES})`)
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const p = doc.contents ? pos(doc.contents.range[0]) : {line: 1, col: 1}
    throw new UbmgrError(`${file}:${p.line}:${p.col}: the top level must be a mapping (name: …, vcpus: …), not ${describe(data)}`)
  }
  return {file, data, locate: (pointer, opts) => locate(doc, pointer, pos, opts?.key ?? false)}
}

/** Depth and key checks on the node tree, before anything becomes a JS object. */
function checkTree(doc: Document, file: string, pos: (offset: number) => Position): void {
  const walk = (node: unknown, depth: number): void => {
    if (depth > MAX_NESTING) {
      const p = isNodeWithRange(node) ? pos(node.range![0]) : {line: 1, col: 1}
      throw new UbmgrError(`${file}:${p.line}:${p.col}: nesting deeper than ${MAX_NESTING} levels`)
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key
        if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
          const p = isNodeWithRange(pair.key) ? pos(pair.key.range![0]) : {line: 1, col: 1}
          throw new UbmgrError(`${file}:${p.line}:${p.col}: key '${String(key)}' is not allowed`)
        }
        if (!isScalar(pair.key)) {
          const p = isNodeWithRange(pair.key) ? pos(pair.key.range![0]) : {line: 1, col: 1}
          throw new UbmgrError(`${file}:${p.line}:${p.col}: keys must be plain strings`)
        }
        walk(pair.value, depth + 1)
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item, depth + 1)
    }
  }
  walk(doc.contents, 1)
}

function isNodeWithRange(node: unknown): node is Node {
  return typeof node === 'object' && node !== null && Array.isArray((node as Node).range)
}

/** Walk the node tree along a JSON pointer; stop at the deepest node that exists. */
function locate(doc: Document, pointer: string, pos: (offset: number) => Position, key: boolean): Position {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  let node: unknown = doc.contents
  let keyNode: unknown
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment)
      if (!pair) break
      keyNode = pair.key
      node = pair.value
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)]
      if (item === undefined) break
      keyNode = undefined
      node = item
    } else break
  }
  const target = key && keyNode ? keyNode : node
  return isNodeWithRange(target) ? pos(target.range![0]) : {line: 1, col: 1}
}

function parseMessage(code: string, message: string): string {
  if (code === 'DUPLICATE_KEY') return 'duplicate key (each key may appear once in a mapping)'
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`
}

function tooBig(file: string, size: number): UbmgrError {
  return new UbmgrError(`${file}: file is ${size} bytes; definitions are limited to ${MAX_DEFINITION_BYTES} bytes (4 MiB)`)
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory'
  return (error as Error).message
}
