// Broken or hostile input gets one clear line naming the file, exit 1, no stack trace, nothing written.
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli} from './helpers/cli.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ubmgr-hostile-'))
})
afterAll(() => rm(dir, {recursive: true, force: true}))

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, content)
  return path
}

function expectOneLine(r: {stderr: string; exitCode: number}, path: string, message: RegExp): void {
  expect(r.exitCode).toBe(1)
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0].startsWith(path)).toBe(true)
  expect(lines[0]).toMatch(message)
  expect(r.stderr).not.toMatch(/\n\s+at /)
}

const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]']
for (const l of 'bcdefgh') bomb.push(`${l}: &${l} [${Array(9).fill('*' + String.fromCharCode(l.charCodeAt(0) - 1)).join(', ')}]`)

const definitionCases: Array<[string, string | Buffer, RegExp]> = [
  ['empty.yaml', '', /empty file/],
  ['comments-only.yaml', '# nothing here\n', /empty file/],
  ['binary.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]), /binary file/],
  ['latin1.yaml', Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]), /not valid UTF-8/],
  ['malformed.yaml', 'name: [vm\nvcpus: 2\n', /:\d+:\d+: .*(indent|end)/],
  ['malformed.json', '{"name": "vm", "vcpus": 2,,}', /:\d+:\d+: /],
  ['dup.yaml', 'name: a\nvcpus: 2\nname: b\n', /:3:1: duplicate key/],
  ['proto.yaml', 'name: a\n__proto__:\n  polluted: yes\n', /:2:1: key '__proto__' is not allowed/],
  ['proto.json', '{"name": "a", "__proto__": {"x": 1}}', /key '__proto__' is not allowed/],
  ['bomb.yaml', bomb.join('\n') + '\n', /resource exhaustion|alias/],
  ['deep.yaml', 'a: ' + '['.repeat(200) + ']'.repeat(200) + '\n', /nesting deeper than 64/],
  ['list.yaml', '- name: a\n', /top level must be a mapping/],
  ['two-docs.yaml', 'name: a\n---\nname: b\n', /more than one YAML document/],
  ['huge.yaml', 'name: a\ndescription: "' + 'x'.repeat(5 * 1024 * 1024) + '"\n', /limited to 4194304 bytes/],
]

describe('hostile definition files', () => {
  for (const [name, content, message] of definitionCases)
    it(name, async () => {
      const path = await file(name, content)
      expectOneLine(await runCli(['validate', path]), path, message)
    })

  it('a missing file', async () => {
    const path = join(dir, 'nope.yaml')
    expectOneLine(await runCli(['validate', path]), path, /cannot read: no such file/)
  })

  it('render refuses bad input and writes nothing', async () => {
    const path = await file('bad-render.yaml', 'name: a\nvcpus: 0\nmemory: 1GiB\n')
    const out = join(dir, 'out.xml')
    const r = await runCli(['render', path, '-o', out])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toBe(`${path}:2:8: /vcpus: must be >= 1 (got 0)`)
    await expect(import('node:fs/promises').then((fs) => fs.stat(out))).rejects.toThrow()
  })
})

const xmlCases: Array<[string, () => string, RegExp]> = [
  ['doctype.xml', () => '<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY x "y">]>\n<domain><name>&x;</name></domain>', /:2:1: DTD and entity declarations are not accepted/],
  [
    'billion-laughs.xml',
    () => `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><domain><name>&lol2;</name></domain>`,
    /DTD and entity declarations are not accepted/,
  ],
  ['external-entity.xml', () => `<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><domain><name>&e;</name></domain>`, /DTD and entity/],
  ['deep.xml', () => '<domain>' + '<a>'.repeat(500) + '</a>'.repeat(500) + '</domain>', /nested deeper than 128/],
  ['malformed.xml', () => '<domain type="kvm"><name>bad</name>', /:1:\d+: malformed XML/],
  ['not-domain.xml', () => "<hostdev mode='subsystem' type='ub'/>", /expecting root element of 'domain', not 'hostdev'/],
  ['no-name.xml', () => "<domain type='kvm'><memory>1024</memory></domain>", /missing name information/],
  ['huge.xml', () => '<domain><description>' + 'x'.repeat(100 * 1024 * 1024) + '</description></domain>', /larger than 16 MiB: domain XML is limited to 16777216 bytes$/],
]

describe('hostile XML for import', () => {
  for (const [name, content, message] of xmlCases)
    it(name, async () => {
      const path = await file(name, content())
      expectOneLine(await runCli(['import', path]), path, message)
    })
})
