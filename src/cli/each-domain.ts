// Run a verb on each domain a NAME argument names (fleet scripts pipe names in with "-"), on the backend of
// the connection. Text: every failure on stderr, exit 1
// if any failed. --json: always an array, one item per name in order — the verb's result, or
// {name, error: {code, message}} for a name that failed — and exit 1 if any failed; the shape never depends on
// how many names there were.
import type {Backend} from '../backends/index.js'
import {UbmgrError} from '../ground/errors.js'
import {domainNames} from './flags.js'
import {printErr, printJson} from './output.js'

export interface ItemError {
  name: string
  error: {code: number; message: string}
}

/** `arg`: a domain name, or "-" for names from stdin; `connect`: the connection flag. */
export async function forEachDomain<T>(arg: string, connect: string | undefined, fn: (backend: Backend, name: string) => Promise<T>, opts: {json: boolean}): Promise<Array<T | ItemError>> {
  const {openBackend} = await import('../backends/index.js')
  const backend = await openBackend(connect)
  const names = await domainNames(arg)
  const results: Array<T | ItemError> = []
  const failed: string[] = []
  const errors: string[] = []
  for (const name of names) {
    try {
      results.push(await fn(backend, name))
    } catch (error) {
      if (!(error instanceof UbmgrError)) throw error
      failed.push(name)
      results.push({name, error: {code: error.exitCode, message: error.lines.join('\n')}})
      for (const line of error.lines) errors.push(line)
    }
  }
  if (failed.length === 0) return results
  if (opts.json) {
    printJson(results)
    throw new UbmgrError([], 1)
  }
  if (names.length === 1) throw new UbmgrError(errors)
  printErr(errors.join('\n'))
  throw new UbmgrError([`error: ${failed.length} of ${names.length} domains failed: ${failed.join(', ')}`])
}
