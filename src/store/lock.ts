// One cross-process lock per store directory (proper-lockfile): every read-modify-write of a store runs
// under it, so parallel commands never lose each other's changes. A lock left by a killed process goes
// stale and is taken over.
import lockfile from 'proper-lockfile'
import {join} from 'node:path'

import {UbmgrError} from '../ground/errors.js'

export async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  let release: () => Promise<void>
  try {
    release = await lockfile.lock(dir, {
      lockfilePath: join(dir, 'store.lock'),
      stale: 2000,
      update: 500,
      realpath: false,
      retries: {retries: 600, factor: 1.3, minTimeout: 5, maxTimeout: 100, randomize: true},
    })
  } catch (error) {
    throw new UbmgrError(`error: cannot lock the state store ${dir}: ${(error as Error).message}`)
  }
  try {
    return await fn()
  } finally {
    await release().catch(() => undefined)
  }
}
