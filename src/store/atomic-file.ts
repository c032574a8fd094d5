// Write a file so that readers see the old content or the new, never a mix: a temp file in the same
// directory, fsync, rename over the target, fsync the directory.
import {open, rename, rm} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`)
  const fh = await open(tmp, 'wx', 0o644)
  try {
    await fh.writeFile(data)
    await fh.sync()
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
  const d = await open(dir, 'r')
  try {
    await d.sync()
  } finally {
    await d.close()
  }
}
