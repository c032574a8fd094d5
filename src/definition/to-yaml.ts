// A definition as YAML, the way a person would write it: hex for EIDs, UPIs, TIDs and vendor ids
// (the stack prints them in hex).
import {Document, isPair, isScalar, visit} from 'yaml'

import type {UbVmDefinition} from './types.js'

const HEX_KEYS = new Set(['eid', 'upi', 'tid', 'vendor'])

export function definitionToYaml(definition: UbVmDefinition, comment?: string): string {
  const doc = new Document(definition)
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && HEX_KEYS.has(String(pair.key.value)) && isScalar(pair.value) && typeof pair.value.value === 'number')
        pair.value.format = 'HEX'
    },
  })
  return (comment ? `# ${comment}\n` : '') + doc.toString({lineWidth: 0})
}
