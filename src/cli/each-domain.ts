// Run a verb on each named domain (fleet scripts pipe names in with "-"). Text: every failure on stderr, exit 1
// if any failed. --json: always an array, one item per name in order — the verb's result, or
// {name, error: {code, message}} for a name that failed — and exit 1 if any failed; the shape never depends on
// how many names there were.
import {UbmgrError} from '../ground/errors.js'
import {printErr, printJson} from './output.js'

export interface ItemError {
  name: string
  error: {code: number; message: string}
}

export async function forEachDomain<T>(names: string[], fn: (name: string) => Promise<T>, opts: {json: boolean}): Promise<{results: Array<T | ItemError>}> {
  const results: Array<T | ItemError> = []
  const failed: string[] = []
  const errors: string[] = []
  for (const name of names) {
    try {
      results.push(await fn(name))
    } catch (error) {
      if (!(error instanceof UbmgrError)) throw error
      failed.push(name)
      results.push({name, error: {code: error.exitCode, message: error.lines.join('\n')}})
      for (const line of error.lines) errors.push(line)
    }
  }
  if (failed.length === 0) return {results}
  if (opts.json) {
    printJson(results)
    throw new UbmgrError([], 1)
  }
  if (names.length === 1) throw new UbmgrError(errors)
  printErr(errors.join('\n'))
  throw new UbmgrError([`error: ${failed.length} of ${names.length} domains failed: ${failed.join(', ')}`])
}
