// Run a verb on each named domain; every failure is reported on stderr and the exit status is 1 if any
// failed (fleet scripts pipe names in with "-").
import {UbmgrError} from '../ground/errors.js'
import {printErr} from './output.js'

export async function forEachDomain<T>(names: string[], fn: (name: string) => Promise<T>): Promise<{results: T[]; failed: string[]}> {
  const results: T[] = []
  const failed: string[] = []
  const errors: string[] = []
  for (const name of names) {
    try {
      results.push(await fn(name))
    } catch (error) {
      if (!(error instanceof UbmgrError)) throw error
      failed.push(name)
      for (const line of error.lines) errors.push(line)
    }
  }
  if (failed.length > 0 && names.length === 1) throw new UbmgrError(errors)
  if (failed.length > 0) {
    printErr(errors.join('\n'))
    throw new UbmgrError([`error: ${failed.length} of ${names.length} domains failed: ${failed.join(', ')}`])
  }
  return {results, failed}
}
