// Run the built CLI (bin/run.js → dist/) as a separate process, the way users and shell scripts do.
import {execa, type Options} from 'execa'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const bin = join(repoRoot, 'bin', 'run.js')
export const examples = join(repoRoot, 'examples')

export interface CliResult {
  stdout: string
  stderr: string
  exitCode: number
}

export async function runCli(args: string[], options: Options = {}): Promise<CliResult> {
  const r = await execa(process.execPath, [bin, ...args], {
    reject: false,
    cwd: repoRoot,
    stdin: options.input === undefined ? 'ignore' : undefined,
    ...options,
    env: {NO_COLOR: '1', ...options.env},
  })
  return {stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1}
}

/** A fresh temp directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'ubmgr-test-'): Promise<{dir: string; cleanup: () => Promise<void>}> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return {dir, cleanup: () => rm(dir, {recursive: true, force: true})}
}
