// The base of every ubmgr command: --json and -q on all verbs, results on stdout, diagnostics on
// stderr, one line per problem, no stack traces unless UBMGR_DEBUG=1, documented exit codes
// (0 ok, 1 failed, 2 usage).
import {Command} from '@oclif/core/command'
import * as Errors from '@oclif/core/errors'
import * as Flags from '@oclif/core/flags'

import {debugEnabled, UbmgrError} from '../ground/errors.js'

export abstract class UbmgrCommand extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    quiet: Flags.boolean({char: 'q', summary: 'Print nothing on success (errors still go to stderr).', helpGroup: 'GLOBAL'}),
  }

  /** True when the user asked for quiet output. */
  protected quiet = false

  public override async init(): Promise<void> {
    await super.init()
    this.quiet = this.argv.includes('-q') || this.argv.includes('--quiet')
  }

  /** Human output on stdout, unless --json or --quiet. */
  protected say(text: string): void {
    if (!this.jsonEnabled() && !this.quiet) process.stdout.write(text.endsWith('\n') ? text : text + '\n')
  }

  /** A diagnostic on stderr (warnings, progress notes); shown even with --json, never with --quiet. */
  protected note(text: string): void {
    if (!this.quiet) process.stderr.write(text.endsWith('\n') ? text : text + '\n')
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (debugEnabled() && err.stack) process.stderr.write(err.stack + '\n')
    const exit = err instanceof UbmgrError ? err.exitCode : (err.oclif?.exit ?? (err instanceof Errors.CLIError ? 2 : 1))
    // An error with no lines: the command already reported (e.g. validate's problem list).
    if (err instanceof UbmgrError && err.lines.length === 0) {
      process.exitCode = exit
      throw new Errors.ExitError(exit)
    }
    const lines = err instanceof UbmgrError ? err.lines : [`error: ${firstLine(err.message)}`]
    if (this.jsonEnabled()) {
      const details = err instanceof UbmgrError ? err.details : undefined
      process.stdout.write(JSON.stringify({error: {code: exit, message: lines.join('\n'), ...details}}, null, 2) + '\n')
    } else {
      process.stderr.write(lines.join('\n') + '\n')
    }
    process.exitCode = exit
    // oclif's ExitError ends the process with our code without printing anything more.
    throw new Errors.ExitError(exit)
  }
}

function firstLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim() !== '') ?? 'unknown error'
  return line.replace(/^error: /i, '')
}
