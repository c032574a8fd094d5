// Write a file so that readers see the old content or the new, never a mix: a temp file in the same
// directory, fsync, rename over the target, fsync the directory.
import {open, rename, rm, type FileHandle} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {crashPoint} from './crash-point.js'

/**
 * `prepare` runs on the new file before it is written (e.g. to set its mode and owner). `syncDir: false` leaves
 * the directory fsync to the caller (a journaled commit syncs each directory once, after all its renames).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  prepare?: (file: FileHandle) => Promise<void>,
  opts: {syncDir?: boolean} = {},
): Promise<void> {
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`)
  const fh = await open(tmp, 'wx', 0o644)
  try {
    await prepare?.(fh)
    crashPoint()
    await fh.writeFile(data)
    crashPoint()
    await fh.sync()
    crashPoint()
  } catch (error) {
    await fh.close()
    await rm(tmp, {force: true})
    throw error
  }
  await fh.close()
  try {
    await rename(tmp, path)
  } catch (error) {
    await rm(tmp, {force: true})
    throw error
  }
  crashPoint()
  if (opts.syncDir === false) return
  await syncDirectory(dir)
  crashPoint()
}

export async function syncDirectory(dir: string): Promise<void> {
  const d = await open(dir, 'r')
  try {
    await d.sync()
  } finally {
    await d.close()
  }
}
