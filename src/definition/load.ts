// Read a definition file (YAML, or JSON — JSON is YAML 1.2, so one parser serves both) keeping source
// positions, and refuse hostile or broken input with one clear line that names the file.
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
  type Pair,
  type ScalarTag,
  type YAMLMap,
} from 'yaml'

import {UbmgrError} from '../ground/errors.js'
import {inputName, readInput} from '../ground/input.js'

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

/** A definition file, or standard input for "-"; read bounded by MAX_DEFINITION_BYTES. */
export async function loadDocumentFile(file: string): Promise<LoadedDocument> {
  const bytes = await readInput(file, {maxBytes: MAX_DEFINITION_BYTES, what: 'a definition'})
  return loadDocumentBytes(bytes, inputName(file))
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
    // Duplicate keys are found by checkTree in linear time (the library's own check is quadratic).
    uniqueKeys: false,
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
    throw new UbmgrError(`${file}:${p.line}:${p.col}: ${parseMessage(first.message)}`)
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

/** Depth, key and alias checks on the node tree, before anything becomes a JS object. */
function checkTree(doc: Document, file: string, pos: (offset: number) => Position): void {
  const at = (node: unknown): Position => (isNodeWithRange(node) ? pos(node.range![0]) : {line: 1, col: 1})
  const fail = (node: unknown, message: string): never => {
    const p = at(node)
    throw new UbmgrError(`${file}:${p.line}:${p.col}: ${message}`)
  }
  // The collections on the path from the root: an alias to one of them would make a cyclic object.
  const ancestors = new Set<unknown>()
  const walk = (node: unknown, depth: number): void => {
    if (depth > MAX_NESTING) fail(node, `nesting deeper than ${MAX_NESTING} levels`)
    if (isAlias(node)) {
      if (ancestors.has(node.resolve(doc))) fail(node, `alias *${node.source} refers to a node that contains it (a cycle)`)
      return
    }
    if (!isMap(node) && !isSeq(node)) return
    ancestors.add(node)
    if (isMap(node)) {
      // As JS object keys: 1 and "1" are the same key.
      const keys = new Set<string>()
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key
        if (key === '__proto__' || key === 'constructor' || key === 'prototype') fail(pair.key, `key '${String(key)}' is not allowed`)
        if (!isScalar(pair.key)) fail(pair.key, 'keys must be plain strings')
        if (keys.has(String(key))) fail(pair.key, `duplicate key '${String(key).slice(0, 60)}' (each key may appear once in a mapping)`)
        keys.add(String(key))
        walk(pair.value, depth + 1)
      }
    } else for (const item of node.items) walk(item, depth + 1)
    ancestors.delete(node)
  }
  walk(doc.contents, 1)
}

function isNodeWithRange(node: unknown): node is Node {
  return typeof node === 'object' && node !== null && Array.isArray((node as Node).range)
}

/** Walk the node tree along a JSON pointer; stop at the deepest node that exists. */
function locate(doc: Document, pointer: string, pos: (offset: number) => Position, key: boolean): Position {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => (s.includes('~') ? s.replace(/~1/g, '/').replace(/~0/g, '~') : s))
  let node: unknown = doc.contents
  let keyNode: unknown
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = pairsByKey(node).get(segment)
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

/** A mapping's pairs by key, built once per mapping: locating N problems in a mapping of N keys stays linear. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>()
function pairsByKey(node: YAMLMap): Map<string, Pair> {
  let index = pairIndex.get(node)
  if (!index) {
    index = new Map()
    for (const p of node.items) if (isPair(p) && isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p as Pair)
    pairIndex.set(node, index)
  }
  return index
}

function parseMessage(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`
}

function tooBig(file: string, size: number): UbmgrError {
  return new UbmgrError(`${file}: ${size} bytes: a definition is limited to ${MAX_DEFINITION_BYTES} bytes (4 MiB)`)
}
