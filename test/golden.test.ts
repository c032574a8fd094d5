// Golden files: every example × every target, compared byte for byte, each golden checked against the
// accepted sums in test/expectations.sha256 (UPDATE_GOLDEN=1 rewrites, `npm run golden:accept` accepts;
// see helpers/golden.ts). An example a target cannot express has no golden file; the test checks that
// render refuses it.
import {existsSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {renderDomain, TARGETS} from '../src/xml/index.js'
import {exampleFiles, exampleVm, goldenPath} from './examples.js'
import {expectMatchesExpectation} from './helpers/golden.js'

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
        expectMatchesExpectation(path, renderDomain(vm, target).xml)
      })
})
