// Global options before the verb are moved behind the command id, only to commands that define them.
import {describe, expect, it} from 'vitest'

import {normalizeArgv, type ResolveCommand} from './global-options.js'
import {closestWord, usageOf, usageReason} from './usage.js'

const base = {json: {name: 'json'}, quiet: {name: 'quiet', char: 'q'}, debug: {name: 'debug'}}
const commands: Record<string, {id: string; flags: Record<string, {name: string; char?: string}>}> = {
  list: {id: 'list', flags: {...base, connect: {name: 'connect', char: 'c'}, all: {name: 'all'}}},
  render: {id: 'render', flags: {...base, target: {name: 'target', char: 't'}}},
  'pool:list': {id: 'pool:list', flags: {...base, connect: {name: 'connect', char: 'c'}}},
  help: {id: 'help', flags: {'nested-commands': {name: 'nested-commands', char: 'n'}}},
}
const resolve: ResolveCommand = (words) => {
  for (let n = words.length; n >= 1; n--) {
    const command = commands[words.slice(0, n).join(':')]
    if (command) return {command, words: n}
  }
  return undefined
}
const norm = (argv: string[]) => normalizeArgv(argv, 'ubmgr', resolve)

describe('normalizeArgv', () => {
  it('moves every spelling of -c before the verb behind it', () => {
    for (const spelled of [['-c', 'sim:///lab'], ['-csim:///lab'], ['--connect', 'sim:///lab'], ['--connect=sim:///lab']])
      expect(norm([...spelled, 'list', '--all']).argv).toEqual(['list', '--connect=sim:///lab', '--all'])
  })

  it('moves -q, --quiet and --json, and keeps a topic command’s words together', () => {
    expect(norm(['-q', '--json', '-c', 'x://', 'pool', 'list']).argv).toEqual(['pool', 'list', '--quiet', '--json', '--connect=x://'])
  })

  it('leaves argv alone when the verb comes first', () => {
    expect(norm(['list', '-c', 'sim:///a', '-q'])).toEqual({argv: ['list', '-c', 'sim:///a', '-q'], debug: false})
  })

  it('--debug anywhere before -- turns debugging on; it is dropped for a command without the flag', () => {
    expect(norm(['--debug', 'list'])).toEqual({argv: ['list'], debug: true})
    expect(norm(['list', '--debug'])).toEqual({argv: ['list', '--debug'], debug: true})
    expect(norm(['help', '--debug'])).toEqual({argv: ['help'], debug: true})
    expect(norm(['list', '--', '--debug']).debug).toBe(false)
  })

  it('refuses -c for a command without a connection, and unknown leading options', () => {
    expect(() => norm(['-c', 'sim:///x', 'render', 'vm.yaml'])).toThrow("error: -c does not apply to 'ubmgr render': it uses no connection")
    expect(() => norm(['--all', 'list'])).toThrow('error: unknown option --all before the command')
    expect(() => norm(['-c'])).toThrow('error: -c needs a connection URI')
    expect(() => norm(['-q'])).toThrow("error: no command given ('ubmgr help' lists them)")
  })

  it('keeps -h, --help and --version in front for oclif; an unknown command goes on to oclif’s not-found hook', () => {
    expect(norm(['-h', 'list']).argv).toEqual(['-h', 'list'])
    expect(norm(['-q', '--version']).argv).toEqual(['--version'])
    expect(norm(['-q', 'lsit']).argv).toEqual(['lsit'])
  })
})

describe('usage lines', () => {
  it('names the command and its arguments', () => {
    expect(usageOf('ubmgr', {id: 'pool:free', args: {bus: {name: 'bus-instance', required: true}, slices: {name: 'slice'}}, strict: false})).toBe(
      'ubmgr pool free BUS-INSTANCE [SLICE...]',
    )
  })

  it('rewrites oclif’s multi-line parse errors to one line with the reason', () => {
    const parsing = Object.assign(new Error('Parsing --nodes \n\tExpected an integer greater than or equal to 1 but received: 0\nSee more help with --help'), {oclif: {exit: 2}})
    expect(usageReason(parsing, 'ubmgr')).toBe('--nodes: Expected an integer greater than or equal to 1 but received: 0')
    const missing = Object.assign(new Error('Missing 1 required arg:\nname  domain name\nSee more help with --help'), {args: [{name: 'name'}]})
    expect(usageReason(missing, 'ubmgr', {id: 'start', args: {name: {name: 'name', required: true}}})).toBe('missing required argument NAME (usage: ubmgr start NAME)')
    const flag = Object.assign(new Error('Nonexistent flag: --taget\nSee more help with --help'), {flags: ['--taget']})
    expect(usageReason(flag, 'ubmgr', commands.render)).toBe("unknown option --taget; did you mean --target? (see 'ubmgr help render')")
  })

  it('suggests near words only', () => {
    expect(closestWord('lsit', ['list', 'start'])).toBe('list')
    expect(closestWord('dumpxlm', ['dumpxml', 'dominfo'])).toBe('dumpxml')
    expect(closestWord('frobnicate', ['list', 'start'])).toBeUndefined()
  })
})
