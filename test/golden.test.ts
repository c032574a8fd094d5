// Golden files: every example × every target, compared byte for byte. UPDATE_GOLDEN=1 rewrites them.
// An example a target cannot express has no golden file; the test checks that render refuses it.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {renderDomain, TARGETS} from '../src/xml/index.js'
import {exampleFiles, exampleVm, goldenPath} from './examples.js'

/** multi-device.yaml has a device with two links; openEuler libvirt's <ports> holds one <port>. */
const REFUSED: Record<string, RegExp> = {'multi-device.yaml openeuler': /has 2 links; openEuler libvirt's <ports> holds at most one <port>/}

describe('golden XML', () => {
  it('covers at least 6 examples', () => expect(exampleFiles.length).toBeGreaterThanOrEqual(6))
  for (const example of exampleFiles)
    for (const target of TARGETS)
      it(`${example} → ${target}`, async () => {
        const vm = await exampleVm(example)
        const path = goldenPath(example, target)
        const refused = REFUSED[`${example} ${target}`]
        if (refused) {
          expect(() => renderDomain(vm, target)).toThrow(refused)
          expect(existsSync(path)).toBe(false)
          return
        }
        const {xml} = renderDomain(vm, target)
        if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, xml)
        expect(existsSync(path), `missing ${path}: run UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts`).toBe(true)
        expect(xml).toBe(readFileSync(path, 'utf8'))
      })
})
