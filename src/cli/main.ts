// The process entry (bin/run.js): virsh-style global options before the verb, then oclif's run, and every
// error that did not pass through a ubmgr command's catch() (an unknown command, a plugin's parse error)
// printed as one `error: …` line (or --json's {"error":…}) instead of oclif's " ›   Error:" block.
import {Config} from '@oclif/core/config'
import {run} from '@oclif/core/run'

import {debugEnabled, UbmgrError} from '../ground/errors.js'
import {normalizeArgv} from './global-options.js'
import {drainStreams, guardStreams, printErr, printJson, stdoutFailed} from './output.js'
import {usageReason} from './usage.js'

export async function main(argv: string[], root: string): Promise<void> {
  guardStreams()
  let config: Config | undefined
  try {
    const loaded = await Config.load(root)
    config = loaded
    const normalized = normalizeArgv(argv, loaded.bin, (words) => {
      // The longest run of words that names a command: `pool list` before `pool`.
      for (let n = words.length; n >= 1; n--) {
        const command = loaded.findCommand(words.slice(0, n).join(':'))
        if (command) return {command, words: n}
      }
      return undefined
    })
    if (normalized.debug) process.env.UBMGR_DEBUG = '1'
    // run() reloads a loaded Config at no real cost (its plugins are reused).
    await run(normalized.argv, loaded)
    // oclif's flush() waits for a 'drain' that a stdout closed by its reader (EPIPE) never emits.
    await drainStreams()
    // Nothing more can reach a failed stdout; end with the status the stream error set (EPIPE keeps it).
    if (stdoutFailed()) process.exit(process.exitCode ?? 0)
  } catch (error) {
    await report(error, argv, config)
  }
}

async function report(error: unknown, argv: string[], config: Config | undefined): Promise<void> {
  let err = error instanceof Error ? error : new Error(String(error))
  // `ubmgr help lsit`: plugin-help's "Command lsit not found." gets the same line as `ubmgr lsit`.
  const helpNotFound = /^Command (\S+) not found\.?$/.exec(err.message)
  if (helpNotFound && config) err = (await import('./not-found.js')).notFound(config, helpNotFound[1].replaceAll(' ', ':'))
  const oclif = (err as {oclif?: {exit?: number}}).oclif
  // A ubmgr command already reported and chose the status (its catch ends with oclif's ExitError).
  if ((err as {code?: string}).code === 'EEXIT') {
    await drainStreams()
    process.exit(oclif?.exit ?? 1)
  }
  if (debugEnabled() && err.stack) process.stderr.write(err.stack + '\n')
  let exit: number
  let message: string
  if (err instanceof UbmgrError) {
    exit = err.exitCode
    message = err.lines.join('\n')
  } else if (oclif) {
    exit = oclif.exit ?? 2
    message = `error: ${usageReason(err, config?.bin ?? 'ubmgr') ?? 'invalid usage'}`
  } else {
    exit = 1
    message = `error: internal error: ${err.message.split('\n')[0]} (UBMGR_DEBUG=1 shows where)`
  }
  const end = argv.indexOf('--') === -1 ? argv.length : argv.indexOf('--')
  if (argv.slice(0, end).includes('--json')) printJson({error: {code: exit, message}})
  else if (message !== '') printErr(message)
  await drainStreams()
  process.exit(exit)
}
