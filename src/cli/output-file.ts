// `-o FILE`: replace a regular file atomically (readers see the old content or the new), or create one.
// Anything else at the path is refused with one line: a device node, FIFO, socket or directory would be
// replaced by a regular file, and a symbolic link is not followed (writing through a link in a shared
// directory is how files elsewhere get overwritten) — give the link's target instead. An existing file keeps
// its mode, and its owner when ubmgr may set it (root, or the owner); a new file is 0644 whatever the umask
// (never group- or world-writable), less what a stricter umask removes.
import type {Stats} from 'node:fs'
import {lstat, readlink, type FileHandle} from 'node:fs/promises'

import {UbmgrError} from '../ground/errors.js'
import {describeFsError} from '../ground/input.js'
import {writeFileAtomic} from '../store/atomic-file.js'

const NEW_FILE_MODE = 0o644

export interface Written {
  path: string
  created: boolean
  /** Set when the file was someone else's and could not stay theirs. */
  ownerChanged?: {from: number; to: number}
}

export async function writeOutputFile(path: string, data: string): Promise<Written> {
  let existing: Stats | undefined
  try {
    existing = await lstat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UbmgrError(`${path}: cannot write: ${describeFsError(error)}`)
  }
  if (existing?.isSymbolicLink())
    throw new UbmgrError(`${path}: is a symbolic link (to ${await readlink(path).catch(() => '?')}); -o does not follow links: give the file it points to`)
  if (existing?.isDirectory()) throw new UbmgrError(`${path}: is a directory; -o takes a file name`)
  if (existing && !existing.isFile())
    throw new UbmgrError(`${path}: is ${kindOf(existing)}, not a regular file; -o writes only regular files (to write into it, redirect stdout: > ${path})`)
  const mode = existing ? existing.mode & 0o7777 : NEW_FILE_MODE & ~currentUmask()
  let ownerChanged: Written['ownerChanged']
  const prepare = async (fh: FileHandle) => {
    await fh.chmod(mode)
    if (!existing || existing.uid === process.getuid?.()) return
    try {
      await fh.chown(existing.uid, existing.gid)
    } catch {
      ownerChanged = {from: existing.uid, to: process.getuid?.() ?? -1}
    }
  }
  try {
    await writeFileAtomic(path, data, prepare)
  } catch (error) {
    throw new UbmgrError(`${path}: cannot write: ${describeFsError(error)}`)
  }
  return {path, created: !existing, ownerChanged}
}

function kindOf(info: {isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean}): string {
  if (info.isFIFO()) return 'a FIFO'
  if (info.isSocket()) return 'a socket'
  if (info.isCharacterDevice()) return 'a character device'
  if (info.isBlockDevice()) return 'a block device'
  return 'not a regular file'
}

/** The process umask, read without changing it for longer than this call. */
function currentUmask(): number {
  const mask = process.umask(0o022)
  process.umask(mask)
  return mask
}
