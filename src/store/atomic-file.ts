// Write a file so that readers see the old content or the new, never a mix: a temp file in the same
// directory, fsync, rename over the target, fsync the directory.
import {closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync} from 'node:fs'
import {open, rename, rm, type FileHandle} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {crashPoint} from './crash-point.js'

const tempName = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`)

/**
 * `prepare` runs on the new file before it is written (e.g. to set its mode and owner). `syncDir: false` leaves
 * the directory fsync to the caller.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  prepare?: (file: FileHandle) => Promise<void>,
  opts: {syncDir?: boolean} = {},
): Promise<void> {
  const dir = dirname(path)
  const tmp = tempName(path)
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

/**
 * The store's fast path: the new content of `path` in a temp file beside it, written synchronously (a store
 * write is a few kilobytes; a thread-pool round trip per call costs more than the write) and not yet synced:
 * the caller syncs many temp files at once (syncFiles), then renames them. Returns the temp file.
 */
export function writeTemp(path: string, data: string): string {
  const tmp = tempName(path)
  const fd = openSync(tmp, 'wx', 0o644)
  try {
    crashPoint()
    writeSync(fd, data)
    crashPoint()
  } catch (error) {
    closeSync(fd)
    rmSync(tmp, {force: true})
    throw error
  }
  closeSync(fd)
  return tmp
}

/** fsync of several files or directories at once: the disk commits them together rather than one by one. */
export async function syncFiles(paths: Iterable<string>): Promise<void> {
  await Promise.all([...paths].map((p) => syncPath(p)))
  crashPoint()
}

async function syncPath(path: string): Promise<void> {
  const fh = await open(path, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  await syncPath(dir)
}

/** One file, durably: temp file, fsync, rename, fsync of its directory (synchronous: one file has nothing to overlap). */
export function writeFileDurable(path: string, data: string): void {
  const tmp = writeTemp(path, data)
  try {
    fsyncNamed(tmp)
    crashPoint()
    renameSync(tmp, path)
  } catch (error) {
    rmSync(tmp, {force: true})
    throw error
  }
  crashPoint()
  fsyncNamed(dirname(path))
  crashPoint()
}

export function fsyncNamed(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
