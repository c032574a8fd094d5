// Outputs: render -o writes only regular files and keeps an existing file's mode and owner; a closed or
// full stdout is a quiet exit or one line, never a stack; queued output reaches a slow reader; text from
// files cannot drive the terminal; long problem lists are capped.
import {execa} from 'execa'
import {chown, lstat, mkdir, readFile, readlink, stat, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {bin, examples, runCli, tempDir} from './helpers/cli.js'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => ({dir, cleanup} = await tempDir('ubmgr-outputs-')))
afterAll(() => cleanup())

const EXAMPLE = join(examples, 'dpu-passthrough.yaml')
const render = (out: string) => runCli(['render', EXAMPLE, '-o', out])

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, content)
  return path
}

/** A definition with `n` unknown keys (each one problem). */
const unknownKeys = (n: number) => 'name: k\nvcpus: 1\nmemory: 1GiB\n' + Array.from({length: n}, (_, i) => `unknown${i}: 1\n`).join('')

describe('render -o', () => {
  it('refuses a device node', async () => {
    expect(await render('/dev/null')).toMatchObject({exitCode: 1, stderr: '/dev/null: is a character device, not a regular file; -o writes only regular files (to write into it, redirect stdout: > /dev/null)'})
    expect((await stat('/dev/null')).isCharacterDevice()).toBe(true)
  })

  it('refuses a FIFO and leaves it a FIFO', async () => {
    const fifo = join(dir, 'out.fifo')
    await execa('mkfifo', [fifo])
    expect(await render(fifo)).toMatchObject({exitCode: 1, stderr: `${fifo}: is a FIFO, not a regular file; -o writes only regular files (to write into it, redirect stdout: > ${fifo})`})
    expect((await lstat(fifo)).isFIFO()).toBe(true)
  })

  it('does not follow a symbolic link, and leaves link and target alone', async () => {
    const target = await file('target.xml', 'old\n')
    const link = join(dir, 'link.xml')
    await symlink('target.xml', link)
    expect(await render(link)).toMatchObject({exitCode: 1, stderr: `${link}: is a symbolic link (to target.xml); -o does not follow links: give the file it points to`})
    expect(await readlink(link)).toBe('target.xml')
    expect(await readFile(target, 'utf8')).toBe('old\n')
  })

  it('refuses a directory', async () => {
    const d = join(dir, 'a-dir')
    await mkdir(d)
    expect(await render(d)).toMatchObject({exitCode: 1, stderr: `${d}: is a directory; -o takes a file name`})
  })

  it("replaces an existing file keeping its mode and owner", async () => {
    const out = await file('existing.xml', 'old\n')
    await execa('chmod', ['0640', out])
    const root = process.getuid?.() === 0
    if (root) await chown(out, 65534, 65534)
    expect(await render(out)).toMatchObject({exitCode: 0, stderr: `wrote ${out} (ubmgr)`})
    const info = await stat(out)
    expect(info.mode & 0o7777).toBe(0o640)
    if (root) expect([info.uid, info.gid]).toEqual([65534, 65534])
    expect(await readFile(out, 'utf8')).toContain('<name>dpu-vm-01</name>')
  })
})

describe('standard output that fails', () => {
  it('a reader that went away (EPIPE) ends the command quietly, status unchanged', async () => {
    const child = execa(process.execPath, [bin, 'schema'], {reject: false, stdout: 'pipe', stderr: 'pipe'})
    child.stdout?.destroy()
    const r = await child
    expect({exitCode: r.exitCode, stderr: String(r.stderr)}).toEqual({exitCode: 0, stderr: ''})
  })

  it('a full disk (ENOSPC) is one line and exit 1', async () => {
    const r = await execa('sh', ['-c', 'exec "$0" "$1" render "$2" > /dev/full', process.execPath, bin, EXAMPLE], {reject: false})
    expect({exitCode: r.exitCode, stderr: String(r.stderr)}).toEqual({exitCode: 1, stderr: 'error: cannot write to standard output: no space left on device (ENOSPC)'})
  })

  it('a slow reader still gets every line before the process exits', async () => {
    const path = await file('keys10k.yaml', unknownKeys(10_000))
    const r = await execa('sh', ['-c', '"$0" "$1" validate --all-problems "$2" 2>&1 | (sleep 1; wc -l)', process.execPath, bin, path])
    expect(String(r.stdout).trim()).toBe('10000')
  })
})

describe('text from files cannot drive the terminal', () => {
  it('problem lines escape control characters', async () => {
    const path = await file('esc-key.yaml', 'name: k\nvcpus: 1\nmemory: 1GiB\n"a\\e[31mb\\u009b2J": 1\n')
    const r = await runCli(['validate', path])
    expect(r.stderr).toBe(`${path}:4:1: /a\\x1b[31mb\\x9b2J: unknown property 'a\\x1b[31mb\\x9b2J' — hint: allowed here: $schema, name, uuid, title, description, type, arch, machine, vcpus, memory, hugepages, boot, disks, interfaces, ub, libvirt`)
    const json = await runCli(['validate', '--json', path])
    expect(json.stdout).not.toMatch(/[\u001b\u009b]/)
    expect(JSON.parse(json.stdout).files[0].problems[0].pointer).toBe('/a\u001b[31mb\u009b2J')
  })

  it('names in messages, XML and YAML keep their value and lose their effect', async () => {
    const name = 'vm\u202eevil\u009b'
    const path = await file('bidi.yaml', `name: "vm\\u202eevil\\x9b"\nvcpus: 1\nmemory: 1GiB\ndescription: "x\\x9by"\n`)
    const state = join(dir, 'state')
    const defined = await runCli(['define', path], {env: {UBMGR_STATE_DIR: state}})
    expect(defined.stdout).toBe(`Domain 'vm\\u202eevil\\x9b' defined from ${path}`)
    const xml = (await runCli(['render', path])).stdout
    expect(xml).toContain('<name>vm&#x202e;evil&#x9b;</name>')
    expect(xml).toContain('<description>x&#x9b;y</description>')
    const imported = await runCli(['import', '-'], {input: xml})
    expect(imported.stdout).toContain('name: "vm\\u202eevil\\x9b"')
    const again = await runCli(['import', '-', '--json'], {input: xml})
    expect(JSON.parse(again.stdout)).toMatchObject({name, description: 'x\u009by'})
    expect(imported.stdout + again.stdout + xml).not.toMatch(/[\u202e\u009b]/)
  })
})

describe('problem lists', () => {
  it('show the first 20, then a count; --all-problems and --json show all', async () => {
    const path = await file('keys25.yaml', unknownKeys(25))
    const capped = (await runCli(['validate', path])).stderr.split('\n')
    expect(capped).toHaveLength(21)
    expect(capped[19]).toMatch(/\/unknown19: unknown property 'unknown19'/)
    expect(capped[20]).toBe('… and 5 more (use --all-problems)')
    expect((await runCli(['validate', '--all-problems', path])).stderr.split('\n')).toHaveLength(25)
    expect(JSON.parse((await runCli(['validate', '--json', path])).stdout).files[0].problems).toHaveLength(25)
    const rendered = await runCli(['render', path])
    expect(rendered.stderr.split('\n')).toEqual([...capped.slice(0, 20), '… and 5 more (use --all-problems)'])
  })
})

describe('virsh operands', () => {
  it('come after --, so a name cannot be an option', async () => {
    const {virshArgs} = await import('../src/backends/libvirt/virsh.js')
    expect(virshArgs('qemu:///system', ['dumpxml', '--inactive'], ['--help'])).toEqual(['-q', '-c', 'qemu:///system', 'dumpxml', '--inactive', '--', '--help'])
    expect(virshArgs('qemu:///system', ['list', '--all'])).toEqual(['-q', '-c', 'qemu:///system', 'list', '--all'])
  })
})
