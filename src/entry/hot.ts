// The commands shell loops call most (issue 12), run by the fast path (../entry/fast-path.ts) from a one-file bundle.
// This module is loaded by bin/run.js before anything else, so it imports nothing.

export const HOT_COMMANDS = [
  'validate',
  'render',
  'list',
  'domstate',
  'dominfo',
  'domid',
  'domuuid',
  'domname',
  'dumpxml',
  'define',
  'undefine',
  'start',
  'destroy',
  'shutdown',
  'reboot',
  'reset',
  'suspend',
  'resume',
] as const

export type HotCommand = (typeof HOT_COMMANDS)[number]

const hot: ReadonlySet<string> = new Set(HOT_COMMANDS)

export const isHotCommand = (word: string): word is HotCommand => hot.has(word)

/** The first hot command id before `--`: the command argv runs, when it is plain. */
export const firstHotWord = (argv: string[]): HotCommand | undefined => beforeDashes(argv).find(isHotCommand)

/** oclif shows help for -h/--help anywhere before `--` (package.json's additionalHelpFlags adds -h). */
export const helpAsked = (argv: string[]): boolean => beforeDashes(argv).some((a) => a === '--help' || a === '-h')

const beforeDashes = (argv: string[]): string[] => (argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv)
