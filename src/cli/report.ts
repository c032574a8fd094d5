// How a run that failed outside a ubmgr command's catch() ends (an unknown command, a plugin's parse error,
// a usage error in the global options): one `error: …` line (or --json's {"error":…}) and the exit status.
// Shared by oclif's path (./main.ts) and the fast path (../entry/fast-path.ts), so both end alike.
import type {Config} from '@oclif/core/config'

import {debugEnabled, UbmgrError} from '../ground/errors.js'
import {drainStreams, printErr, printJson} from './output.js'
import {usageReason} from './usage.js'

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
