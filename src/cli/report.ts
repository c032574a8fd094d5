// How a run ends, on oclif's path (./main.ts) and the fast path (../entry/fast-path.ts) alike: finishRun after
// a run that did not fail; report after a failure outside a ubmgr command's catch() (an unknown command, a
// plugin's parse error, a usage error in the global options): one `error: …` line (or --json's {"error":…})
// and the exit status.
import type {Config} from '@oclif/core/config'

import {debugEnabled, UbmgrError} from '../ground/errors.js'
import {drainStreams, printErr, printJson, stdoutFailed} from './output.js'
import {usageReason} from './usage.js'

/** A run that did not fail: its output reaches a slow pipe; a stdout its reader closed ends the process now. */
export async function finishRun(): Promise<void> {
  // oclif's flush() waits for a 'drain' that a stdout closed by its reader (EPIPE) never emits.
  await drainStreams()
  // Nothing more can reach a failed stdout; end with the status the stream error set (EPIPE keeps it).
  if (stdoutFailed()) process.exit(process.exitCode ?? 0)
}

export async function report(error: unknown, argv: string[], config: Config | undefined): Promise<void> {
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
