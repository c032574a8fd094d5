// Inputs, as an attacker or an accident supplies them: readers bounded by the bytes actually read and, for
// pipes and FIFOs, by time; the escape hatch checked at validate; names, sizes and text the rest of the
// stack can hold; import of odd but valid XML. Each case with its exact line, exit 1, and nothing changed.
import {execa} from 'execa'
import {readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {goldenPath} from './examples.js'
import {bin, examples, runCli, tempDir} from './helpers/cli.js'

let dir: string
let cleanup: () => Promise<void>
let state: string
beforeAll(async () => {
  ;({dir, cleanup} = await tempDir('ubmgr-inputs-'))
  state = join(dir, 'state')
})
afterAll(() => cleanup())

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, content)
  return path
}

const env = {UBMGR_STATE_DIR: '', UBMGR_READ_TIMEOUT: '1'}
const cli = (args: string[], options: Parameters<typeof runCli>[1] = {}) => runCli(args, {...options, env: {...env, UBMGR_STATE_DIR: state, ...options.env}})
const VM = 'name: esc\nvcpus: 1\nmemory: 1GiB\n'

function fails(r: {exitCode: number; stderr: string; stdout: string}, line: string): void {
  expect({exitCode: r.exitCode, stderr: r.stderr}).toEqual({exitCode: 1, stderr: line})
}

describe('readers are bounded by the bytes they read', () => {
  it('validate /dev/zero', async () => fails(await cli(['validate', '/dev/zero']), '/dev/zero: larger than 4 MiB: a definition is limited to 4194304 bytes'))
  it('render /dev/zero', async () => fails(await cli(['render', '/dev/zero']), '/dev/zero: larger than 4 MiB: a definition is limited to 4194304 bytes'))
  it('import /dev/zero', async () => fails(await cli(['import', '/dev/zero']), '/dev/zero: larger than 16 MiB: domain XML is limited to 16777216 bytes'))
  it('define /dev/zero', async () => fails(await cli(['define', '/dev/zero']), '/dev/zero: larger than 16 MiB: a definition or domain XML is limited to 16777216 bytes'))
  it('attach-device with /dev/zero as the device', async () =>
    fails(await cli(['attach-device', 'vm1', '/dev/zero']), '/dev/zero: larger than 4 MiB: a device file is limited to 4194304 bytes'))

  it('validate - on an endless pipe', async () => {
    const r = await execa('sh', ['-c', 'yes | exec "$0" "$@"', process.execPath, bin, 'validate', '-'], {reject: false, env})
    expect({exitCode: r.exitCode, stderr: String(r.stderr)}).toEqual({exitCode: 1, stderr: '<stdin>: larger than 4 MiB: a definition is limited to 4194304 bytes'})
  })

  it('names from an endless stdin', async () => fails(await cli(['start', '-'], {stdin: {file: '/dev/zero'}}), '<stdin>: larger than 1 MiB: a list of domain names is limited to 1048576 bytes'))
})

describe('readers that would wait for ever time out with one line', () => {
  it('a FIFO nobody writes to', async () => {
    const fifo = join(dir, 'no-writer.fifo')
    await execa('mkfifo', [fifo])
    fails(await cli(['validate', fifo]), `${fifo}: no writer opened this FIFO after 1 s; set UBMGR_READ_TIMEOUT (seconds) to wait longer`)
  })

  it('standard input that never ends', async () => {
    const child = execa(process.execPath, [bin, 'validate', '-'], {reject: false, stdin: 'pipe', env: {...env, NO_COLOR: '1'}})
    const r = await child
    child.stdin?.destroy()
    expect({exitCode: r.exitCode, stderr: String(r.stderr)}).toEqual({exitCode: 1, stderr: '<stdin>: standard input did not end after 1 s; set UBMGR_READ_TIMEOUT (seconds) to wait longer'})
  })

  it('a FIFO with a writer is read to its end', async () => {
    const fifo = join(dir, 'with-writer.fifo')
    await execa('mkfifo', [fifo])
    const writer = execa('sh', ['-c', 'printf "%s" "$1" > "$0"', fifo, VM])
    const r = await cli(['validate', fifo], {env: {UBMGR_READ_TIMEOUT: '20'}})
    await writer
    expect(r).toMatchObject({exitCode: 0, stdout: `${fifo}: valid`})
  })
})

describe('the libvirt: escape hatch is checked at validate, before anything is stored', () => {
  it('validate refuses malformed XML, and define stores nothing', async () => {
    const path = await file('malformed.yaml', `${VM}libvirt:\n  domain: ["<clock>"]\n`)
    const line = `${path}:5:12: /libvirt/domain/0: malformed XML: Unclosed tag 'clock'. (line 1, column 1 of the entry)`
    fails(await cli(['validate', path]), line)
    fails(await cli(['define', path]), line)
    expect((await cli(['list', '--all', '--name'])).stdout).toBe('')
  })

  it('QEMU pass-through needs libvirt.allowQemu, and validate warns when it is on', async () => {
    const qemu = `["<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><qemu:env name='LD_PRELOAD' value='/tmp/x.so'/></qemu:commandline>"]`
    const refused = await file('ld.yaml', `${VM}libvirt:\n  domain: ${qemu}\n`)
    fails(await cli(['validate', refused]), `${refused}:5:12: /libvirt/domain/0: <qemu:env name='LD_PRELOAD'> loads code into QEMU; set libvirt.allowQemu: true to allow QEMU pass-through`)
    const allowed = await file('ld-allowed.yaml', `${VM}libvirt:\n  allowQemu: true\n  domain: ${qemu}\n`)
    expect(await cli(['validate', allowed])).toMatchObject({
      exitCode: 0,
      stdout: `${allowed}: valid`,
      stderr: `${allowed}:6:12: warning: /libvirt/domain/0: QEMU pass-through: <qemu:commandline> in libvirt.domain[0] reaches QEMU unchecked (it sets LD_PRELOAD)`,
    })
  })
})

describe('names, sizes and text the stack can hold', () => {
  const cases: Array<[string, string, string]> = [
    ['a lone surrogate', 'name: "a\\ud800b"\nvcpus: 1\nmemory: 1GiB\n', ':1:7: /name: contains a lone surrogate (U+D800), which is not Unicode text and cannot be written as UTF-8'],
    ['a name libvirt cannot store', `name: ${'漢'.repeat(83)}\nvcpus: 1\nmemory: 1GiB\n`, ':1:7: /name: is 249 bytes in UTF-8; libvirt keeps a domain in a file named after it, so at most 247 bytes'],
    [
      "a name ubmgr's store cannot hold",
      `name: ${'漢'.repeat(23)}\nvcpus: 1\nmemory: 1GiB\n`,
      ":1:7: /name: takes 207 bytes as a file name in ubmgr's store (percent-encoded), more than 200 — hint: letters, digits and - _ ~ take one byte each; other characters three per UTF-8 byte",
    ],
    ['memory libvirt cannot hold', 'name: big\nvcpus: 1\nmemory: 8589934592TiB\n', ':3:9: /memory: 8589934592TiB is 9223372036854775808 KiB; libvirt holds at most 9007199254740991 KiB (2^53 − 1, just under 8 EiB)'],
    ['a control character XML cannot carry', 'name: ctl\nvcpus: 1\nmemory: 1GiB\ndescription: "a\\x01b"\n', ':4:14: /description: contains the control character U+0001, which XML cannot carry'],
    ['an alias cycle', 'name: c\nvcpus: 1\nmemory: 1GiB\ndisks: &d\n  - *d\n', ':5:5: alias *d refers to a node that contains it (a cycle)'],
  ]
  for (const [what, content, line] of cases)
    it(what, async () => {
      const path = await file(`${what.replace(/\W+/g, '-')}.yaml`, content)
      fails(await cli(['validate', path]), path + line)
    })

  it('the largest memory libvirt holds is valid', async () => {
    expect((await cli(['validate', await file('max-mem.yaml', 'name: big\nvcpus: 1\nmemory: 9007199254740991KiB\n')])).exitCode).toBe(0)
  })
})

describe('import of valid but unusual XML', () => {
  // The ubmem_vmmu argument as ub-device-manager writes it (key=value), in openEuler XML without ubmgr's metadata.
  const withoutMetadata = async (arg: string) =>
    (await readFile(goldenPath('cluster-ubmem.yaml', 'openeuler'), 'utf8'))
      .replace(/ {2}<metadata>[\s\S]*?<\/metadata>\n/, '')
      .replace(/<qemu:arg value='\{"driver":"ubmem_vmmu"[^']*'\/>/, `<qemu:arg value='${arg}'/>`)

  it('openEuler XML with ubmem_vmmu and no ubmgr metadata renders the argument once, with no stray value', async () => {
    const imported = await cli(['import', await file('oe.xml', await withoutMetadata('ubmem_vmmu,tid=0x2a,uba=0x4000000000,size=0x1000000000')), '--json'])
    expect(imported.exitCode).toBe(0)
    expect(JSON.parse(imported.stdout).libvirt).toBeUndefined()
    const rendered = await cli(['render', await file('oe.json', imported.stdout), '--target', 'openeuler'])
    expect(rendered.stdout.match(/<qemu:commandline>[\s\S]*<\/qemu:commandline>/)?.[0]).toBe(
      `<qemu:commandline>\n    <qemu:arg value='-device'/>\n    <qemu:arg value='{"driver":"ubmem_vmmu","tid":42,"uba":274877906944,"size":68719476736}'/>\n  </qemu:commandline>`,
    )
  })

  it('a ubmem_vmmu size that is not a number is one line naming the file', async () => {
    const path = await file('oe-abc.xml', await withoutMetadata('ubmem_vmmu,tid=0x2a,uba=0x4000000000,size=abc'))
    fails(
      await cli(['import', path]),
      `${path}: /libvirt/domain/0: <qemu:arg value='ubmem_vmmu,tid=0x2a,uba=0x4000000000,size=abc'> touches ubmgr's own UB devices (ubmem_vmmu); they come from ub: and cannot be overridden (in the imported definition)`,
    )
  })

  it('character references are decoded once: &#10; is a newline, &amp;#10; the text "&#10;"', async () => {
    const xml = "<domain type='kvm'><name>nl</name><description>a&#10;b &amp;#10; &#x41;</description><memory unit='KiB'>1048576</memory><devices><console type='pty'><alias name='ua-a&#10;b'/></console></devices></domain>"
    const r = await cli(['import', await file('nl.xml', xml), '--json'])
    const def = JSON.parse(r.stdout)
    expect(def.description).toBe('a\nb &#10; A')
    expect(def.libvirt.devices).toEqual(["<console type='pty'>\n  <alias name='ua-a&#10;b'/>\n</console>"])
    const rendered = await cli(['render', await file('nl.json', r.stdout)])
    expect(rendered.stdout).toContain('<description>a\nb &amp;#10; A</description>')
    expect(rendered.stdout).toContain("<alias name='ua-a&#10;b'/>")
  })

  it('200,000 disks: the problems are counted, not a stack overflow', async () => {
    const xml = `<domain type='kvm'><name>many</name><memory>1024</memory><devices>${"<disk type='file'><source file='/a'/><target dev='vda'/></disk>".repeat(200_000)}</devices></domain>`
    const path = await file('disks.xml', xml)
    const r = await cli(['import', path])
    expect(r.exitCode).toBe(1)
    const lines = r.stderr.split('\n')
    expect(lines).toHaveLength(21)
    expect(lines[0]).toBe(`${path}: /disks: must have at most 256 items (in the imported definition)`)
    expect(lines[1]).toBe(`${path}: /disks/1/target: disk target vda is already used by item 0 (in the imported definition)`)
    expect(lines[20]).toBe('… and 199980 more (use --all-problems)')
  })
})

describe('files render -o writes', () => {
  it('are not world-writable under umask 000', async () => {
    const out = join(dir, 'umask0.xml')
    const r = await execa('sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, bin, 'render', join(examples, 'dpu-passthrough.yaml'), '-o', out], {reject: false})
    expect(r.exitCode).toBe(0)
    expect((await stat(out)).mode & 0o777).toBe(0o644)
  })
})
