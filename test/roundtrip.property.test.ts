// Properties: for any valid definition, import(render(d)) is d again — the same VM once defaults are filled
// in (normalize), so nothing is lost — in every target; render → import → render is byte-stable; the
// import is a valid definition; and the XML is well-formed (it parses back, and xmllint agrees for a sample).
import {execa} from 'execa'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {isError, normalize, validateData, type Target} from '../src/definition/index.js'
import type {UbVmDefinition} from '../src/definition/types.js'
import {importDomainXml, parseXml, renderDomain, TARGETS} from '../src/xml/index.js'
import {definition} from './arbitraries.js'

const errors = (def: UbVmDefinition, target?: Target) => validateData(def, undefined, {target}).filter(isError)

describe('render → import → render', () => {
  it('generated definitions are valid (the generator is honest)', () => {
    fc.assert(
      fc.property(definition, (def) => {
        expect(errors(def)).toEqual([])
      }),
      {numRuns: 200},
    )
  })

  for (const target of TARGETS)
    it(`loses nothing and is stable for target ${target}`, () => {
      fc.assert(
        fc.property(target === 'openeuler' ? definition.filter((d) => errors(d, 'openeuler').length === 0) : definition, (def) => {
          const first = renderDomain(normalize(def), target).xml
          parseXml(first) // well-formed
          const imported = importDomainXml(first)
          expect(errors(imported.definition)).toEqual([])
          // Lossless: the definition that comes back describes the same VM as the one that went in.
          expect(normalize(imported.definition)).toEqual(normalize(def))
          expect(renderDomain(normalize(imported.definition), target).xml).toBe(first)
        }),
        {numRuns: 150},
      )
    })

  it('xmllint finds the output well-formed (sample of 20 per target)', async () => {
    const samples = fc.sample(definition, {numRuns: 20, seed: 42})
    for (const def of samples)
      for (const target of TARGETS) {
        if (errors(def, target).length > 0) continue
        const {xml} = renderDomain(normalize(def), target)
        const r = await execa('xmllint', ['--noout', '-'], {input: xml, reject: false})
        expect(r.stderr).toBe('')
        expect(r.exitCode).toBe(0)
      }
  })
})
