// A definition as YAML, the way a person would write it: hex for EIDs, UPIs, TIDs and vendor ids
// (the stack prints them in hex). A string holding characters a terminal would act on is written
// double-quoted with those characters escaped (\x9b, \u202e): the same value, safe to show.
import {Document, isPair, isScalar, Scalar, visit} from 'yaml'

import {escapeForTerminal, escapeForYamlDoubleQuoted, hasTerminalUnsafe} from '../ground/text.js'

import type {UbVmDefinition} from './types.js'

const HEX_KEYS = new Set(['eid', 'upi', 'tid', 'vendor'])

export function definitionToYaml(definition: UbVmDefinition, comment?: string): string {
  const doc = new Document(definition)
  visit(doc, {
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string' && hasTerminalUnsafe(scalar.value)) scalar.type = Scalar.QUOTE_DOUBLE
    },
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && HEX_KEYS.has(String(pair.key.value)) && isScalar(pair.value) && typeof pair.value.value === 'number')
        pair.value.format = 'HEX'
    },
  })
  // Every such character is now inside a double-quoted scalar, where YAML's escapes mean the same.
  const text = escapeForYamlDoubleQuoted(doc.toString({lineWidth: 0}))
  return (comment ? `# ${escapeForTerminal(comment).replace(/\n/g, ' ')}\n` : '') + text
}
