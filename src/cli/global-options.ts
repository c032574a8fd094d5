// virsh takes its global options before the verb (`virsh -c URI -q list`); oclif takes flags only after the
// command id. Before oclif sees argv, the global options in front of the command are moved behind its id,
// but only to a command that defines the flag (from its manifest entry): `-c` given to a command without a
// connection is a usage error here rather than oclif's "command -c not found".
import {UsageError} from '../ground/errors.js'
import {spacedId, type CommandShape} from './usage.js'

/** The global options' flag names; --debug is not a flag but sets UBMGR_DEBUG=1. */
type GlobalFlag = 'connect' | 'quiet' | 'json'

/** The command named by the first words of argv (ids use ':'), and how many words named it. */
export type ResolveCommand = (words: string[]) => {command: CommandShape; words: number} | undefined

export interface NormalizedArgv {
  argv: string[]
  /** --debug was given (anywhere before `--`). */
  debug: boolean
}

/** Options oclif itself handles before finding a command; left in front. */
const OCLIF_FRONT = new Set(['-h', '--help', '--version'])

const GLOBALS_HINT = 'global options before the command: -c/--connect URI, -q/--quiet, --json, --debug'

export function normalizeArgv(argv: string[], bin: string, resolve: ResolveCommand): NormalizedArgv {
  const end = argv.indexOf('--') === -1 ? argv.length : argv.indexOf('--')
  const debug = argv.slice(0, end).includes('--debug')
  const front: string[] = []
  const moved: Array<{flag: GlobalFlag; spelled: string; token: string}> = []
  let i = 0
  for (; i < end && argv[i].startsWith('-') && argv[i] !== '-'; i++) {
    const a = argv[i]
    if (a === '-c' || a === '--connect') {
      if (i + 1 >= end) throw new UsageError(`error: ${a} needs a connection URI (e.g. ${a} sim:///default)`)
      moved.push({flag: 'connect', spelled: a, token: `--connect=${argv[++i]}`})
    } else if (a.startsWith('--connect=')) moved.push({flag: 'connect', spelled: '--connect', token: a})
    else if (/^-c./.test(a)) moved.push({flag: 'connect', spelled: '-c', token: `--connect=${a.slice(2)}`})
    else if (a === '-q' || a === '--quiet') moved.push({flag: 'quiet', spelled: a, token: '--quiet'})
    else if (a === '--json') moved.push({flag: 'json', spelled: a, token: '--json'})
    else if (a === '--debug') continue
    else if (OCLIF_FRONT.has(a)) front.push(a)
    else throw new UsageError(`error: unknown option ${a} before the command (${GLOBALS_HINT})`)
  }
  const rest = argv.slice(i)
  if (i === 0) return {argv: withoutDebug(argv, resolve), debug}
  if (rest.length === 0 || rest[0] === '--') {
    if (front.length > 0) return {argv: front, debug}
    throw new UsageError(`error: no command given ('${bin} help' lists them)`)
  }
  const found = resolve(leadingWords(rest))
  // An unknown command: oclif's command_not_found hook says so (with a suggestion).
  if (!found) return {argv: [...front, ...rest], debug}
  const {command, words} = found
  for (const m of moved)
    if (!command.flags?.[m.flag])
      throw new UsageError(`error: ${m.spelled} does not apply to '${spacedId(bin, command.id)}'${m.flag === 'connect' ? ': it uses no connection' : ''}`)
  const tail = withoutDebug(rest.slice(words), resolve, command)
  return {argv: [...front, ...rest.slice(0, words), ...moved.map((m) => m.token), ...tail], debug}
}

/** --debug stays only for a command that defines it (ubmgr's own); it is dropped for oclif's plugins. */
function withoutDebug(argv: string[], resolve: ResolveCommand, command?: CommandShape): string[] {
  const end = argv.indexOf('--') === -1 ? argv.length : argv.indexOf('--')
  if (!argv.slice(0, end).includes('--debug')) return argv
  const cmd = command ?? resolve(leadingWords(argv))?.command
  if (!cmd || cmd.flags?.debug) return argv
  return argv.filter((a, k) => k >= end || a !== '--debug')
}

/** The words that may name a command: those before the first option, at most three (`pool rebalance`). */
function leadingWords(argv: string[]): string[] {
  const words: string[] = []
  for (const w of argv) {
    if (w.startsWith('-') || words.length === 3) break
    words.push(w)
  }
  return words
}
