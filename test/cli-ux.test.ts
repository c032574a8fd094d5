// The CLI in a virsh user's hands and a script's: global options before or after the verb, help, version,
// shell completion, did-you-mean, one-line usage errors (exit 2, also as --json), and -q as virsh's.
import {execa} from 'execa'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {repoRoot, runCli, tempDir} from './helpers/cli.js'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => ({dir, cleanup} = await tempDir('ubmgr-ux-')))
afterAll(() => cleanup())

/** ubmgr with a private simulator state directory and no default URI from the environment. */
const ub = (args: string[], env: Record<string, string | undefined> = {}, input?: string) =>
  runCli(args, {env: {UBMGR_STATE_DIR: join(dir, 'state'), UBMGR_DEFAULT_URI: undefined, LIBVIRT_DEFAULT_URI: undefined, ...env}, input})

const usage = (stderr: string, line: string) => expect(stderr).toBe(line)

describe('global options before or after the verb', () => {
  beforeAll(async () => {
    expect((await ub(['-c', 'sim:///lab', '-q', 'define', 'examples/dpu-passthrough.yaml'])).exitCode).toBe(0)
    expect((await ub(['define', 'examples/multi-device.yaml', '-c', 'sim:///lab', '-q'])).exitCode).toBe(0)
  })

  it('list: -c and -q before the verb work exactly like after it', async () => {
    const before = await ub(['-c', 'sim:///lab', '-q', 'list', '--all'])
    const after = await ub(['list', '--all', '-c', 'sim:///lab', '-q'])
    expect(before).toEqual(after)
    expect(before).toMatchObject({exitCode: 0, stderr: ''})
    expect(before.stdout.split('\n')).toEqual([' -    dpu-vm-01         shut off', ' -    storage-node-07   shut off'])
  })

  it('every spelling of the connect option', async () => {
    for (const spelled of [['-c', 'sim:///lab'], ['-csim:///lab'], ['--connect', 'sim:///lab'], ['--connect=sim:///lab']]) {
      const r = await ub([...spelled, 'list', '--all', '--name'])
      expect(r, spelled.join(' ')).toMatchObject({exitCode: 0, stdout: 'dpu-vm-01\nstorage-node-07'})
    }
  })

  it('dominfo, domstate, start, dumpxml and a topic command (pool list) take -c and --json before the verb', async () => {
    const info = await ub(['-c', 'sim:///lab', '--json', 'dominfo', 'dpu-vm-01'])
    expect(info.exitCode).toBe(0)
    expect(JSON.parse(info.stdout)).toMatchObject([{name: 'dpu-vm-01', state: 'shut off'}])
    expect(await ub(['-c', 'sim:///lab', 'domstate', 'dpu-vm-01'])).toMatchObject({exitCode: 0, stdout: 'shut off'})
    expect(await ub(['-c', 'sim:///lab', '-q', 'start', 'dpu-vm-01'])).toMatchObject({exitCode: 0, stdout: '', stderr: ''})
    expect(await ub(['--connect', 'sim:///lab', 'domstate', 'dpu-vm-01'])).toMatchObject({stdout: 'running'})
    expect((await ub(['-c', 'sim:///lab', 'dumpxml', 'dpu-vm-01'])).stdout).toContain('<name>dpu-vm-01</name>')
    const pool = await ub(['-c', 'sim:///lab', '--json', 'pool', 'list'])
    expect(pool.exitCode).toBe(0)
    expect(JSON.parse(pool.stdout)).toHaveProperty('cards')
    // The other store is empty: the option really went to the command.
    expect(await ub(['-c', 'sim:///other', 'list', '--all', '--name'])).toMatchObject({exitCode: 0, stdout: ''})
  })

  it('$LIBVIRT_DEFAULT_URI is honoured after $UBMGR_DEFAULT_URI', async () => {
    expect((await ub(['list', '--all', '--name'], {LIBVIRT_DEFAULT_URI: 'sim:///lab'})).stdout).toBe('dpu-vm-01\nstorage-node-07')
    expect((await ub(['list', '--all', '--name'], {LIBVIRT_DEFAULT_URI: 'sim:///lab', UBMGR_DEFAULT_URI: 'sim:///other'})).stdout).toBe('')
  })

  it('-c before a verb without a connection is a usage error', async () => {
    const r = await ub(['-c', 'sim:///lab', 'render', 'examples/dpu-passthrough.yaml'])
    expect(r).toMatchObject({exitCode: 2, stdout: ''})
    usage(r.stderr, "error: -c does not apply to 'ubmgr render': it uses no connection")
    usage((await ub(['--all', 'list'])).stderr, 'error: unknown option --all before the command (global options before the command: -c/--connect URI, -q/--quiet, --json, --debug)')
  })

  it('--debug before or after the verb shows the stack, as UBMGR_DEBUG=1', async () => {
    for (const args of [['--debug', '-c', 'sim:///lab', 'dominfo', 'nosuch'], ['dominfo', 'nosuch', '-c', 'sim:///lab', '--debug']]) {
      const r = await ub(args)
      expect(r.exitCode).toBe(1)
      expect(r.stderr).toMatch(/^UbmgrError: error: failed to get domain 'nosuch'\n\s+at /)
    }
    expect((await ub(['dominfo', 'nosuch', '-c', 'sim:///lab'])).stderr).toBe("error: failed to get domain 'nosuch'")
  })
})

describe('help and version', () => {
  it('help, -h and --help show the commands; help VERB, VERB -h and VERB --help show the verb', async () => {
    for (const args of [['help'], ['-h'], ['--help']]) {
      const r = await ub(args)
      expect(r.exitCode, args.join(' ')).toBe(0)
      for (const c of ['list', 'start', 'render', 'autocomplete', 'version']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'))
    }
    for (const args of [['help', 'start'], ['start', '-h'], ['start', '--help'], ['-h', 'start']]) {
      const r = await ub(args)
      expect(r.exitCode, args.join(' ')).toBe(0)
      expect(r.stdout).toContain('$ ubmgr start NAME')
    }
    expect((await ub(['help', 'host', 'generate'])).stdout).toContain('$ ubmgr host generate')
  })

  it('version prints the same as --version', async () => {
    const flag = await ub(['--version'])
    expect(flag.stdout).toMatch(/^ubmgr\/\d+\.\d+\.\d+ \S+ node-v\d+/)
    expect(await ub(['version'])).toEqual(flag)
    expect(JSON.parse((await ub(['version', '--json'])).stdout)).toMatchObject({userAgent: flag.stdout})
  })

  it('help texts have no hard-wrapped lines and document dumpxml --target’s default', async () => {
    const manifest = JSON.parse(await readFile(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {description?: string; flags: Record<string, {summary?: string; description?: string}>}>}
    const wrapped: string[] = []
    for (const [id, c] of Object.entries(manifest.commands))
      for (const text of [c.description, ...Object.values(c.flags).flatMap((f) => [f.summary, f.description])]) {
        const lines = (text ?? '').split('\n')
        // A line break may end a sentence or an item, or start an indented example; never split a sentence.
        lines.slice(0, -1).forEach((l, i) => {
          if (!/[.:)>…]$/.test(l) && !lines[i + 1].startsWith('  ')) wrapped.push(`${id}: ${l}`)
        })
      }
    expect(wrapped).toEqual([])
    expect(manifest.commands.dominfo.description).toBeTruthy()
    expect(manifest.commands.domstate.description).toBeTruthy()
    expect(manifest.commands.dumpxml.flags.target.description).toMatch(/Default: ubmgr on sim:\/\/; on libvirt, libvirt’s own XML/)
  })
})

describe('usage errors: one line with the reason, exit 2', () => {
  const cases: Array<[string[], string]> = [
    [['start'], 'error: missing required argument NAME (usage: ubmgr start NAME)'],
    [['attach-device', 'vm1'], 'error: missing required argument FILE (usage: ubmgr attach-device NAME FILE)'],
    [['start', 'a', 'b'], 'error: unexpected argument: b (usage: ubmgr start NAME)'],
    [['list', 'extra'], 'error: unexpected argument: extra (usage: ubmgr list)'],
    [['host', 'generate', '--nodes', '0', '--devices-per-node', '1', '-o', '-'], 'error: --nodes: Expected an integer greater than or equal to 1 but received: 0'],
    [['render', 'examples/dpu-passthrough.yaml', '--target', 'xen'], "error: --target: expected one of ubmgr, openeuler, upstream, got 'xen'"],
    [['render', 'examples/dpu-passthrough.yaml', '--taget', 'upstream'], "error: unknown option --taget; did you mean --target? (see 'ubmgr help render')"],
    [['lsit'], "error: 'lsit' is not a ubmgr command; did you mean 'ubmgr list'? ('ubmgr help' lists the commands)"],
    [['host', 'generat'], "error: 'host generat' is not a ubmgr command; did you mean 'ubmgr host generate'? ('ubmgr help' lists the commands)"],
    [['help', 'lsit'], "error: 'lsit' is not a ubmgr command; did you mean 'ubmgr list'? ('ubmgr help' lists the commands)"],
    [['frobnicate'], "error: 'frobnicate' is not a ubmgr command ('ubmgr help' lists the commands)"],
    [['autocomplete', 'fish'], 'error: Expected fish to be one of: zsh, bash, powershell'],
    [['-c'], 'error: -c needs a connection URI (e.g. -c sim:///default)'],
  ]
  for (const [args, line] of cases)
    it(`ubmgr ${args.join(' ')}`, async () => {
      const r = await ub(args)
      expect(r).toEqual({exitCode: 2, stdout: '', stderr: line})
    })

  it('with --json (before or after the verb) the same text is {"error":{"code":2,"message":…}} on stdout', async () => {
    for (const [args, line] of [cases[0], cases[4], cases[7]])
      for (const argv of [['--json', ...args], [...args, '--json']]) {
        const r = await ub(argv)
        expect(r.exitCode, argv.join(' ')).toBe(2)
        expect(JSON.parse(r.stdout), argv.join(' ')).toEqual({error: {code: 2, message: line}})
      }
  })

  it('an unknown command never prompts, even on a terminal', async () => {
    // oclif's plugin-not-found asks "Did you mean …?" when stdin is a terminal; ubmgr answers in one line.
    const script = await execa('script', ['--version'], {reject: false}).catch(() => undefined)
    if (!script || script.exitCode !== 0) return // util-linux script(1) gives the run a pseudo-terminal
    const r = await execa('script', ['-qec', 'node bin/run.js lsit', '/dev/null'], {cwd: repoRoot, reject: false, timeout: 30_000, stdin: 'ignore', env: {NO_COLOR: '1'}})
    expect(r.exitCode).toBe(2)
    expect(String(r.stdout).trim()).toBe(cases[7][1])
  })
})

describe('-q as virsh -q', () => {
  beforeAll(async () => {
    expect((await ub(['-c', 'sim:///q', '-q', 'define', 'examples/dpu-passthrough.yaml'])).exitCode).toBe(0)
  })

  it('verbs that act print nothing; without -q they say what they did', async () => {
    expect(await ub(['-c', 'sim:///q', '-q', 'define', 'examples/dpu-passthrough.yaml'])).toMatchObject({stdout: '', stderr: ''})
    expect(await ub(['-c', 'sim:///q', '-q', 'start', 'dpu-vm-01'])).toMatchObject({exitCode: 0, stdout: '', stderr: ''})
    expect(await ub(['-c', 'sim:///q', 'destroy', 'dpu-vm-01'])).toMatchObject({exitCode: 0, stdout: "Domain 'dpu-vm-01' destroyed"})
  })

  it('data is printed without decoration: list rows without the header, dominfo and domstate as they are', async () => {
    const full = await ub(['-c', 'sim:///q', 'list', '--all'])
    expect(full.stdout.split('\n').slice(0, 2)).toEqual([' Id   Name        State', '-'.repeat(27)])
    expect((await ub(['-c', 'sim:///q', 'list', '--all', '-q'])).stdout).toBe(full.stdout.split('\n').slice(2).join('\n'))
    expect((await ub(['-c', 'sim:///q', '-q', 'domstate', 'dpu-vm-01'])).stdout).toBe('shut off')
    expect((await ub(['-c', 'sim:///q', '-q', 'dominfo', 'dpu-vm-01'])).stdout).toMatch(/^Id:\s+-\nName:\s+dpu-vm-01\n/)
  })

  it('render -q still prints the XML (it is the data asked for)', async () => {
    const quiet = await ub(['-q', 'render', 'examples/dpu-passthrough.yaml'])
    expect(quiet.exitCode).toBe(0)
    expect(quiet.stdout).toBe((await ub(['render', 'examples/dpu-passthrough.yaml'])).stdout)
    expect(quiet.stdout).toMatch(/^<domain/)
  })
})

describe('shell completion (oclif autocomplete)', () => {
  /** Generate the scripts into a private cache directory and return its completion functions' directory. */
  async function generate(shell: 'bash' | 'zsh'): Promise<{setup: string; functions: string}> {
    const cache = join(dir, `cache-${shell}`)
    const r = await ub(['autocomplete', shell], {XDG_CACHE_HOME: cache})
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain(`ubmgr autocomplete script ${shell}`)
    return {setup: r.stdout, functions: join(cache, 'ubmgr', 'autocomplete', 'functions', shell)}
  }

  it('bash: the script names every command and completes verbs, topic verbs and flags', async () => {
    const {functions} = await generate('bash')
    const script = join(functions, 'ubmgr.bash')
    const text = await readFile(script, 'utf8')
    for (const id of ['list', 'start', 'dumpxml', 'host:generate', 'pool:rebalance', 'version']) expect(text).toMatch(new RegExp(`^${id} `, 'm'))
    const complete = async (...words: string[]) => {
      const probe = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _ubmgr_autocomplete; printf "%s\\n" "${COMPREPLY[@]}"'
      return (await execa('bash', ['-c', probe, 'probe', script, ...words])).stdout.split('\n').filter(Boolean).sort()
    }
    expect(await complete('ubmgr', 'li')).toEqual(['list'])
    expect(await complete('ubmgr', 'host', 'gen')).toEqual(['generate'])
    expect(await complete('ubmgr', 'list', '--a')).toEqual(['--all', '--all-problems'])
  })

  it('zsh: the script names every command and completes in a real zsh', async () => {
    const {functions} = await generate('zsh')
    const text = await readFile(join(functions, '_ubmgr'), 'utf8')
    expect(text.startsWith('#compdef ubmgr')).toBe(true)
    for (const c of ['list', 'start', 'dumpxml', 'version']) expect(text).toContain(`"${c}[`)
    const zsh = await execa('zsh', ['--version'], {reject: false}).catch(() => undefined)
    if (!zsh || zsh.exitCode !== 0) return // zsh not installed: the text checks above are all that can run
    expect((await execa('zsh', ['-n', join(functions, '_ubmgr')])).exitCode).toBe(0)
    const complete = async (line: string) =>
      (await execa('zsh', ['-f', join(repoRoot, 'test', 'helpers', 'zsh-complete.zsh'), functions, line], {timeout: 30_000})).stdout.split('\n').filter(Boolean).sort()
    expect(await complete('ubmgr li')).toEqual(['list'])
    expect(await complete('ubmgr host ')).toEqual(['enumerate', 'export-sysfs', 'generate', 'topology'])
    expect(await complete('ubmgr host generate --n')).toEqual(['--nodes'])
  })

  it('powershell setup is printed too', async () => {
    const r = await ub(['autocomplete', 'powershell'], {XDG_CACHE_HOME: join(dir, 'cache-ps')})
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain('ubmgr autocomplete script powershell')
  })
})
