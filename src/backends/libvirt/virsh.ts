// virsh, run by execa with argument arrays (never a shell string). Operands a user supplies (domain names,
// file paths) come after "--", so a domain named "--help" is a name, not an option. A failure becomes a
// UbmgrError that keeps libvirt's own "error: …" lines.
import {UbmgrError} from '../../ground/errors.js'

/** `virsh -q -c URI COMMAND… -- OPERANDS…`: options in `command`, user-supplied values in `operands`. */
export function virshArgs(uri: string, command: string[], operands: string[] = []): string[] {
  return ['-q', '-c', uri, ...command, ...(operands.length > 0 ? ['--', ...operands] : [])]
}

/**
 * A driver whose state lives only as long as one virsh process (libvirt's test:// driver): a command that needs
 * several virsh verbs must run them in one process.
 */
export const perProcessDriver = (uri: string): boolean => uri.startsWith('test:')

/**
 * One word for virsh's own command-line parser (its interactive and batch syntax, not a shell): single-quoted,
 * with each ' written as '\'' (close, an escaped quote, reopen), so no value can end the word or the command.
 */
export function virshWord(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`
}

/** Several virsh verbs in one process (`virsh -q -c URI 'verb … ; verb …'`), each word quoted by virshWord. */
export async function virshBatch(uri: string, steps: Array<{command: string[]; operands?: string[]}>): Promise<string> {
  const text = steps.map(({command, operands = []}) => [...command, ...(operands.length > 0 ? ['--', ...operands] : [])].map(virshWord).join(' ')).join(' ; ')
  return virsh(uri, [text])
}

export async function virsh(uri: string, command: string[], operands: string[] = [], opts: {input?: string} = {}): Promise<string> {
  const {execa} = await import('execa')
  const args = [...command, ...operands]
  let r
  try {
    r = await execa('virsh', virshArgs(uri, command, operands), {reject: false, input: opts.input, stdin: opts.input === undefined ? 'ignore' : undefined})
  } catch (error) {
    throw new UbmgrError(`error: cannot run virsh: ${(error as Error).message.split('\n')[0]} (install libvirt-clients)`)
  }
  if ((r as {code?: string}).code === 'ENOENT' || r.exitCode === undefined)
    throw new UbmgrError('error: virsh not found: the libvirt backend needs virsh (Debian/Ubuntu: apt-get install libvirt-clients)')
  if (r.exitCode !== 0) {
    const lines = String(r.stderr).split('\n').map((l) => l.trimEnd()).filter((l) => l !== '')
    throw new UbmgrError(lines.length > 0 ? lines : [`error: virsh ${args[0]} failed with exit code ${r.exitCode}`], 1, {virsh: args})
  }
  return String(r.stdout)
}

/** virsh prints "error: failed to get domain 'x'" for a missing domain; ask without failing. */
export async function domainExists(uri: string, name: string): Promise<string | undefined> {
  try {
    return (await virsh(uri, ['domuuid'], [name])).trim()
  } catch {
    return undefined
  }
}
