// A definition as YAML, the way a person would write it: hex for EIDs, UPIs, TIDs and vendor ids
// (the stack prints them in hex). A string holding characters a terminal would act on is written
// double-quoted with those characters escaped (\x9b, \u202e): the same value, safe to show.
import {Document, isPair, isScalar, Scalar, visit} from 'yaml'

import {escapeForTerminal, escapeForYamlDoubleQuoted, hasTerminalUnsafe} from '../ground/text.js'

import type {UbVmDefinition} from './types.js'

const HEX_KEYS = new Set(['eid', 'upi', 'tid', 'vendor'])

// Plain scalars a YAML 1.1 reader (PyYAML, Ansible, older Go yaml) takes for something other than a string:
// booleans and nulls of 1.1, octal and binary ints, sexagesimal numbers (a MAC such as 52:54:00:10:00:01 is
// one), and floats such as 1e3 or .inf. yaml 1.2 reads them as strings, so they are quoted for everyone.
const YAML11_NOT_A_STRING = new RegExp(
  [
    '^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$',
    '^(?:~|null|Null|NULL)?$',
    '^[-+]?(?:0b[01_]+|0[0-7_]+|0x[0-9a-fA-F_]+|(?:0|[1-9][0-9_]*))$',
    '^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\\.[0-9_]*)?$',
    '^[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*(?:[eE][-+]?[0-9]+)?$',
    '^[-+]?[0-9][0-9_]*(?:\\.[0-9_]*)?[eE][-+]?[0-9]+$',
    '^[-+]?\\.(?:inf|Inf|INF)$|^\\.(?:nan|NaN|NAN)$',
  ].join('|'),
)

export function definitionToYaml(definition: UbVmDefinition, comment?: string): string {
  const doc = new Document(definition)
  visit(doc, {
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string' && (hasTerminalUnsafe(scalar.value) || YAML11_NOT_A_STRING.test(scalar.value))) scalar.type = Scalar.QUOTE_DOUBLE
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
