// The invalid-definition corpus: each file in test/invalid/ has a sidecar .expected holding the exact
// problem lines (FILE:LINE:COL: /pointer: message) that validation must report — all of them, in order.
// UPDATE_GOLDEN=1 rewrites the sidecars; review the diff.
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {formatProblem, validateFile} from '../src/definition/index.js'
import {repoRoot, runCli} from './helpers/cli.js'

const dir = join(repoRoot, 'test', 'invalid')
const cases = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()

describe('invalid definitions corpus', () => {
  it('has at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40))
  for (const name of cases)
    it(name, async () => {
      const rel = `test/invalid/${name}`
      const {problems} = await validateFile(join(dir, name))
      const lines = problems.map((p) => formatProblem({...p, file: rel}))
      const expectedPath = join(dir, `${name}.expected`)
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedPath, lines.join('\n') + '\n')
      expect(existsSync(expectedPath), `missing ${expectedPath}`).toBe(true)
      expect(lines.length).toBeGreaterThan(0)
      expect(lines).toEqual(readFileSync(expectedPath, 'utf8').trimEnd().split('\n'))
    })

  it('the CLI prints the same lines on stderr and exits 1', async () => {
    const r = await runCli(['validate', 'test/invalid/eid-dup-devices.yaml', 'examples/dpu-passthrough.yaml'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr.trimEnd().split('\n')).toEqual(readFileSync(join(dir, 'eid-dup-devices.yaml.expected'), 'utf8').trimEnd().split('\n'))
    expect(r.stdout).toBe('examples/dpu-passthrough.yaml: valid')
  })

  it('--json gives the same records', async () => {
    const r = await runCli(['validate', '--json', 'test/invalid/fusion-two-primaries.yaml'])
    expect(r.exitCode).toBe(1)
    const out = JSON.parse(r.stdout)
    expect(out.valid).toBe(false)
    expect(out.files[0].problems).toEqual([
      expect.objectContaining({pointer: '/ub/fusion/0/members/1/role', rule: 'fusion-primary', line: 13}),
    ])
  })
})
