// test:/// keeps a domain only inside one virsh process, so define runs its verbs in one process there, as one
// virsh command line whose every word is quoted for virsh's own parser. Checked against virsh itself.
import {execa} from 'execa'
import fc from 'fast-check'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {virshWord} from '../src/backends/libvirt/virsh.js'
import {examples, runCli, tempDir} from './helpers/cli.js'

let root: string
let cleanup: () => Promise<void>
beforeAll(async () => ({dir: root, cleanup} = await tempDir('ubmgr-batch-')))
afterAll(() => cleanup())

describe('virshWord', () => {
  it('virsh reads every quoted word back as the same text, whatever it holds (property, real virsh)', async () => {
    const words = fc.array(fc.string({unit: fc.constantFrom(...'ab \'"\\;$`|&()<>#*?~-=x'.split('')), maxLength: 12}), {minLength: 1, maxLength: 6})
    const samples = fc.sample(words, {numRuns: 40, seed: 5}).concat([["it's", '; undefine test', '"', '\\', "'\\''", '--help']])
    // one virsh process for all samples: echo prints its arguments space-separated (and no newline), so each
    // command ends with a marker word
    const END = '@END@'
    const text = samples.map((ws) => ['echo', '--', ...ws, END].map(virshWord).join(' ')).join(' ; ')
    const r = await execa('virsh', ['-q', '-c', 'test:///default', text])
    expect(r.stdout.split(` ${END}`).slice(0, -1)).toEqual(samples.map((ws) => ws.join(' ')))
  })
})

describe('define on test:///', () => {
  it('defines and reads back in one virsh process, for an example and a name virsh would otherwise split', async () => {
    const env = {UBMGR_STATE_DIR: root}
    const r = await runCli(['-c', 'test:///default', 'define', join(examples, 'dpu-passthrough.yaml'), '--target', 'upstream'], {env})
    expect(r.stdout.split('\n').pop()).toBe(`Domain 'dpu-vm-01' defined from ${join(examples, 'dpu-passthrough.yaml')}`)
    expect(r.exitCode).toBe(0)
    const file = join(root, 'weird.yaml')
    await writeFile(file, 'name: "it\'s a; \\"vm\\" x"\nvcpus: 1\nmemory: 256MiB\narch: x86_64\n')
    const w = await runCli(['define', file, '-c', 'test:///default', '--json'], {env})
    expect(w.exitCode, w.stderr).toBe(0)
    expect(JSON.parse(w.stdout)).toMatchObject({name: 'it\'s a; "vm" x', outcome: 'created', uuid: expect.stringMatching(/^[0-9a-f-]{36}$/)})
  })
})
