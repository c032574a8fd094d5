// The base of every ubmgr command: --json, -q, --debug and --all-problems on all verbs, results on stdout,
// diagnostics on stderr, one line per problem, no stack traces unless UBMGR_DEBUG=1, documented exit codes
// (0 ok, 1 failed, 2 usage). Printing goes through ./output.ts (escaping, EPIPE/ENOSPC, problem caps).
import {Command} from '@oclif/core/command'
import * as Errors from '@oclif/core/errors'
import * as Flags from '@oclif/core/flags'

import {runClosers} from '../ground/closers.js'
import {debugEnabled, UbmgrError} from '../ground/errors.js'
import {capLines, drainStreams, guardStreams, printErr, printJson, printOut, stdoutFailed} from './output.js'
import {usageReason} from './usage.js'

export abstract class UbmgrCommand extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    quiet: Flags.boolean({
      char: 'q',
      summary: 'Quiet, as virsh -q: data without headers or messages; verbs that act print nothing (errors still go to stderr).',
      helpGroup: 'GLOBAL',
    }),
    // Read from argv by src/cli/main.ts (UBMGR_DEBUG=1) before parsing, so parse errors get stacks too.
    debug: Flags.boolean({summary: 'Print stack traces of errors (as UBMGR_DEBUG=1).', helpGroup: 'GLOBAL'}),
    'all-problems': Flags.boolean({summary: 'Print every problem line (by default the first 20 per file, then a count).', helpGroup: 'GLOBAL'}),
  }

  /** True when the user asked for quiet output. */
  protected quiet = false
  /** True when every problem line should be printed. */
  protected allProblems = false
  /** The file being read, named by internal errors ("FILE: internal error: …"). */
  protected inputFile?: string

  public override async init(): Promise<void> {
    guardStreams()
    await super.init()
    this.quiet = this.argv.includes('-q') || this.argv.includes('--quiet')
    this.allProblems = this.argv.includes('--all-problems')
  }

  /** Human output on stdout, unless --json or --quiet. */
  protected say(text: string): void {
    if (!this.jsonEnabled() && !this.quiet) printOut(text)
  }

  /** Data the user asked for (a table's rows, a record) in human form: printed with -q, not with --json. */
  protected data(text: string): void {
    if (!this.jsonEnabled()) printOut(text)
  }

  /** A diagnostic on stderr (warnings, progress notes); shown even with --json, never with --quiet. */
  protected note(text: string): void {
    if (!this.quiet) printErr(text)
  }

  /** Problem lines of one file on stderr, capped unless --all-problems. */
  protected problemLines(lines: string[]): void {
    if (lines.length > 0) printErr(capLines(lines, this.allProblems).join('\n'))
  }

  public override logJson(json: unknown): void {
    printJson(json)
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (debugEnabled()) for (let e: unknown = err; e instanceof Error; e = e.cause) if (e.stack) process.stderr.write(e.stack + '\n')
    const exit = err instanceof UbmgrError ? err.exitCode : (err.oclif?.exit ?? (err instanceof Errors.CLIError ? 2 : 1))
    // An error with no lines: the command already reported (e.g. validate's problem list).
    if (!(err instanceof UbmgrError && err.lines.length === 0)) {
      const lines = err instanceof UbmgrError ? err.lines : [this.internalErrorLine(err)]
      if (this.jsonEnabled()) {
        const details = err instanceof UbmgrError ? err.details : undefined
        printJson({error: {code: exit, message: lines.join('\n'), ...details}})
      } else if (err instanceof UbmgrError && Array.isArray(err.details?.problems)) this.problemLines(lines)
      else printErr(lines.join('\n'))
    }
    process.exitCode = exit
    // oclif exits the process at once: let queued output reach a slow pipe first.
    await drainStreams()
    // oclif's ExitError ends the process with our code without printing anything more.
    throw new Errors.ExitError(exit)
  }

  /** Output to a closed or full stdout: finish now with the status the stream error set (EPIPE keeps it). */
  protected override async finally(err: Error | undefined): Promise<unknown> {
    runClosers()
    if (stdoutFailed()) {
      await drainStreams()
      // oclif would wait 10 s for stdout to drain, which a failed stream never does.
      process.exit(process.exitCode ?? (err ? 1 : 0))
    }
    return super.finally(err)
  }

  /** A usage error's reason, or a bug (an error ubmgr did not expect): one line naming the file being read. */
  private internalErrorLine(err: Error): string {
    if (err instanceof Errors.CLIError) {
      const ctor = this.ctor as typeof UbmgrCommand & {args?: Record<string, {name?: string; required?: boolean}>}
      // --json is added by oclif at parse time (enableJsonFlag), not in the static flags.
      const flags = {...ctor.baseFlags, json: {name: 'json'}, ...ctor.flags}
      const reason = usageReason(err, this.config.bin, {id: this.id, args: ctor.args, flags, strict: ctor.strict})
      if (reason) return `error: ${reason}`
    }
    const message = firstLine(err.message)
    if (err instanceof Errors.CLIError || !this.inputFile) return `error: ${message}`
    return `error: ${this.inputFile}: internal error: ${message} (UBMGR_DEBUG=1 shows where)`
  }
}

function firstLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim() !== '') ?? 'unknown error'
  return line.replace(/^error: /i, '')
}
