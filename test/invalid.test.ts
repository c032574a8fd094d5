// The invalid-definition corpus: each file in test/invalid/ has a sidecar .expected holding the exact
// problem lines (FILE:LINE:COL: /pointer: message) that validation must report — all of them, in order.
// Files named openeuler-* are validated with --target openeuler; files named warn-* are valid and have
// warnings only. UPDATE_GOLDEN=1 rewrites the sidecars and `npm run golden:accept` accepts them
// (helpers/golden.ts).
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {formatProblem, isError, validateFile} from '../src/definition/index.js'
import {repoRoot, runCli} from './helpers/cli.js'
import {expectMatchesExpectation} from './helpers/golden.js'

const dir = join(repoRoot, 'test', 'invalid')
const cases = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()

describe('invalid definitions corpus', () => {
  it('has at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40))
  for (const name of cases)
    it(name, async () => {
      const rel = `test/invalid/${name}`
      const {problems, definition} = await validateFile(join(dir, name), {target: name.startsWith('openeuler-') ? 'openeuler' : undefined})
      // A warn-* case is accepted; every other case is refused.
      expect(definition !== undefined).toBe(name.startsWith('warn-'))
      expect(problems.some(isError)).toBe(!name.startsWith('warn-'))
      const lines = problems.map((p) => formatProblem({...p, file: rel}))
      expect(lines.length).toBeGreaterThan(0)
      expectMatchesExpectation(join(dir, `${name}.expected`), lines.join('\n') + '\n')
    })

  it('the CLI prints the same lines on stderr and exits 1', async () => {
    const r = await runCli(['validate', 'test/invalid/eid-dup-devices.yaml', 'examples/dpu-passthrough.yaml'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr.trimEnd().split('\n')).toEqual(readFileSync(join(dir, 'eid-dup-devices.yaml.expected'), 'utf8').trimEnd().split('\n'))
    expect(r.stdout).toBe('examples/dpu-passthrough.yaml: valid')
  })

  it('warnings print but exit 0; --target openeuler adds its limits at the GUID', async () => {
    const warn = await runCli(['validate', 'test/invalid/warn-no-hugepages.yaml'])
    expect(warn.exitCode).toBe(0)
    expect(warn.stderr.trimEnd()).toBe(readFileSync(join(dir, 'warn-no-hugepages.yaml.expected'), 'utf8').trimEnd())
    expect(warn.stdout).toBe('test/invalid/warn-no-hugepages.yaml: valid')
    const plain = await runCli(['validate', 'test/invalid/openeuler-hex-seq.yaml'])
    expect(plain.exitCode).toBe(0)
    const oe = await runCli(['validate', '--target', 'openeuler', 'test/invalid/openeuler-hex-seq.yaml'])
    expect(oe.exitCode).toBe(1)
    expect(oe.stderr.trimEnd().split('\n')).toEqual(readFileSync(join(dir, 'openeuler-hex-seq.yaml.expected'), 'utf8').trimEnd().split('\n'))
    const render = await runCli(['render', '--target', 'openeuler', 'test/invalid/openeuler-hex-seq.yaml'])
    expect(render.exitCode).toBe(1)
    expect(render.stdout).toBe('')
    expect(render.stderr).toContain('test/invalid/openeuler-hex-seq.yaml:10:20: /ub/devices/0/host/guid: seq_num 00000000000a0001 has hex letters')
    expect((await runCli(['render', '--target', 'upstream', 'test/invalid/openeuler-hex-seq.yaml'])).exitCode).toBe(0)
  })

  it('--json gives the same records', async () => {
    const r = await runCli(['validate', '--json', 'test/invalid/fusion-two-primaries.yaml'])
    expect(r.exitCode).toBe(1)
    const out = JSON.parse(r.stdout)
    expect(out.valid).toBe(false)
    expect(out.files[0].problems).toEqual([
      expect.objectContaining({pointer: '/ub/fusion/0/members/1/role', rule: 'fusion-primary', line: 13, severity: 'error'}),
    ])
  })
})
