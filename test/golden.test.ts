// Golden files: every example × every target, compared byte for byte. UPDATE_GOLDEN=1 rewrites them.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {renderDomain, TARGETS} from '../src/xml/index.js'
import {exampleFiles, exampleVm, goldenPath} from './examples.js'

describe('golden XML', () => {
  it('covers at least 6 examples', () => expect(exampleFiles.length).toBeGreaterThanOrEqual(6))
  for (const example of exampleFiles)
    for (const target of TARGETS)
      it(`${example} → ${target}`, async () => {
        const {xml} = renderDomain(await exampleVm(example), target)
        const path = goldenPath(example, target)
        if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, xml)
        expect(existsSync(path), `missing ${path}: run UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts`).toBe(true)
        expect(xml).toBe(readFileSync(path, 'utf8'))
      })
})
