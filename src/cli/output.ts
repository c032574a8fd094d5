// Everything ubmgr prints goes through here.
// - Text that came from files (names, problem lines, libvirt's messages) is shown, never acted on by the
//   terminal: control characters are escaped (src/ground/text.ts); JSON keeps its value, escaped.
// - Standard output that goes away (EPIPE: `ubmgr list | head -1`) ends the command quietly with the
//   status it had, as Unix tools do; any other write error (ENOSPC, EIO) is one line on stderr, exit 1.
// - Output still queued for a slow pipe is written before the process exits (oclif exits on errors).
// - Long problem lists are capped; --all-problems shows every line.
import {escapeForJson, escapeForTerminal} from '../ground/text.js'

/** Problem lines shown per file before "… and K more". */
export const PROBLEM_LIMIT = 20

let stdoutBroken = false

/** Human text on stdout, escaped. */
export function printOut(text: string): void {
  write(process.stdout, escapeForTerminal(text))
}

/** Diagnostics on stderr, escaped. */
export function printErr(text: string): void {
  write(process.stderr, escapeForTerminal(text))
}

/** A document on stdout (XML, YAML) whose writer already escaped what a terminal would act on. */
export function printData(text: string): void {
  write(process.stdout, text)
}

/** A value as JSON on stdout. */
export function printJson(value: unknown): void {
  write(process.stdout, escapeForJson(JSON.stringify(value, null, 2)) + '\n')
}

function write(stream: NodeJS.WriteStream, text: string): void {
  if (text === '' || stream.destroyed || (stream === process.stdout && stdoutBroken)) return
  stream.write(text.endsWith('\n') ? text : text + '\n')
}

/** The first PROBLEM_LIMIT lines and a count of the rest, unless all are wanted. */
export function capLines(lines: string[], all: boolean): string[] {
  if (all || lines.length <= PROBLEM_LIMIT) return lines
  return [...lines.slice(0, PROBLEM_LIMIT), `… and ${lines.length - PROBLEM_LIMIT} more (use --all-problems)`]
}

/**
 * Take over stdout/stderr errors (oclif's own listener rethrows everything but EPIPE, which prints a Node
 * stack for ENOSPC). Idempotent; called again once a command is loaded, because oclif's Command module adds
 * its listener when it is first imported, which may be after the first call (src/cli/main.ts).
 */
export function guardStreams(): void {
  for (const listener of process.stdout.listeners('error')) if (listener !== onStdoutError) process.stdout.off('error', listener as never)
  if (!process.stdout.listeners('error').includes(onStdoutError)) process.stdout.on('error', onStdoutError)
  if (!process.stderr.listeners('error').includes(onStderrError)) process.stderr.on('error', onStderrError)
}

function onStdoutError(error: NodeJS.ErrnoException): void {
  stdoutBroken = true
  if (error.code === 'EPIPE') return
  process.exitCode = 1
  if (!process.stderr.destroyed) process.stderr.write(`error: cannot write to standard output: ${describeWriteError(error)}\n`)
}

// Nothing more can be said when stderr itself fails; the exit status tells.
function onStderrError(): void {
  if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = 1
}

/** True once stdout failed (EPIPE or a write error): the command's output did not all arrive. */
export const stdoutFailed = (): boolean => stdoutBroken

function describeWriteError(error: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {ENOSPC: 'no space left on device', EIO: 'input/output error', EFBIG: 'file too large', EDQUOT: 'disk quota exceeded', EBADF: 'bad file descriptor'}
  return error.code && words[error.code] ? `${words[error.code]} (${error.code})` : error.message
}

/** Wait until stdout and stderr have handed everything to the OS (or failed). */
export async function drainStreams(): Promise<void> {
  // A write that failed synchronously reports its error on a later tick: let it arrive first.
  await new Promise((resolve) => setImmediate(resolve))
  await Promise.all([drain(process.stdout), drain(process.stderr)])
}

function drain(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done).off('error', done).off('close', done)
      resolve()
    }
    stream.once('drain', done).once('error', done).once('close', done)
  })
}
