import fc from 'fast-check'
import {parse} from 'yaml'
import {describe, expect, it} from 'vitest'

import {definitionToYaml} from './to-yaml.js'
import type {UbVmDefinition} from './types.js'

const base: UbVmDefinition = {name: 'vm', vcpus: 2, memory: '4GiB'}

/** How a YAML 1.1 reader (PyYAML, Ansible) sees the written text: yaml's 1.1 schema reads like them. */
const read11 = (text: string) => parse(text, {version: '1.1'}) as UbVmDefinition

describe('definitionToYaml for YAML 1.1 readers', () => {
  it('a MAC stays a string (unquoted, YAML 1.1 reads 52:54:00:10:00:01 as a sexagesimal number)', () => {
    const def: UbVmDefinition = {...base, interfaces: [{type: 'network', source: 'default', mac: '52:54:00:10:00:01'}]}
    const text = definitionToYaml(def)
    expect(text).toContain('mac: "52:54:00:10:00:01"')
    expect(read11(text).interfaces![0].mac).toBe('52:54:00:10:00:01')
  })

  it('every string reads back as the same string under YAML 1.1 and 1.2 (property)', () => {
    const tricky = fc.constantFrom('yes', 'No', 'on', 'OFF', 'y', 'n', '~', 'null', '', '0777', '0b101', '0x1F', '1e3', '.inf', '.NaN', '1:20', '190:20:30', '12_000', '+1', '-.5', '3.')
    const mac = fc.array(fc.integer({min: 0, max: 255}), {minLength: 6, maxLength: 6}).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'))
    fc.assert(
      fc.property(fc.oneof(tricky, mac, fc.string({maxLength: 12})), (s) => {
        const def: UbVmDefinition = {...base, title: s}
        const text = definitionToYaml(def)
        expect(read11(text).title).toBe(s)
        expect((parse(text) as UbVmDefinition).title).toBe(s)
      }),
      {numRuns: 500, seed: 11},
    )
  })
})
