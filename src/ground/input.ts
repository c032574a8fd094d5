// Reading a whole input — a file, a device, a FIFO or standard input — bounded by the bytes actually read
// (a reported size means nothing for /dev/zero, /proc files or pipes) and, for anything that is not a
// regular file, by time: a FIFO nobody writes to or a pipe that never ends gets one clear line, not a hang.
import {constants} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'

import {UbmgrError} from './errors.js'

export interface InputLimit {
  /** The largest input accepted, in bytes. */
  maxBytes: number
  /** What the input is, for messages: "a definition", "domain XML". */
  what: string
}

/** The name messages use for standard input ("-" on the command line). */
export const STDIN_NAME = '<stdin>'

const DEFAULT_TIMEOUT_S = 30
const CHUNK = 1024 * 1024

/** How long a pipe, FIFO, terminal or device may take to end: UBMGR_READ_TIMEOUT seconds, default 30. */
export function readTimeoutMs(): number {
  const s = Number(process.env.UBMGR_READ_TIMEOUT)
  return (Number.isFinite(s) && s > 0 ? s : DEFAULT_TIMEOUT_S) * 1000
}

/** The display name of an input argument: "-" is standard input. */
export const inputName = (path: string): string => (path === '-' ? STDIN_NAME : path)

/** The whole input at `path` ("-" = standard input), or one UbmgrError line naming it. */
export async function readInput(path: string, limit: InputLimit): Promise<Buffer> {
  return path === '-' ? readStdin(limit) : readPath(path, limit)
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory'
  if (code === 'ENAMETOOLONG') return 'file name too long'
  if (code === 'ELOOP') return 'too many levels of symbolic links'
  if (code === 'ENXIO') return 'no such device'
  return (error as Error).message
}

const humanBytes = (n: number): string => (n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`)

const tooBig = (name: string, limit: InputLimit) =>
  new UbmgrError(`${name}: larger than ${humanBytes(limit.maxBytes)}: ${limit.what} is limited to ${limit.maxBytes} bytes`)

const tooSlow = (name: string, waited: string) =>
  new UbmgrError(`${name}: ${waited} after ${readTimeoutMs() / 1000} s; set UBMGR_READ_TIMEOUT (seconds) to wait longer`)

async function readPath(path: string, limit: InputLimit): Promise<Buffer> {
  let fh: FileHandle
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer, and reads must not block a thread for ever.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (error) {
    throw new UbmgrError(`${path}: cannot read: ${describeFsError(error)}`)
  }
  try {
    const info = await fh.stat()
    if (info.isDirectory()) throw new UbmgrError(`${path}: is a directory, not ${limit.what}`)
    return await readHandle(fh, path, limit, {regular: info.isFile(), fifo: info.isFIFO(), size: info.size})
  } catch (error) {
    if (error instanceof UbmgrError) throw error
    throw new UbmgrError(`${path}: cannot read: ${describeFsError(error)}`)
  } finally {
    await fh.close()
  }
}

/**
 * Reads land in the free end of the current chunk; a full chunk is kept as it is and a new one started. The
 * first chunk has room for the size the file reports (a hint only: /proc files say 0, pipes anything), so a
 * large regular file is read in one piece and returned without a copy.
 */
async function readHandle(fh: FileHandle, name: string, limit: InputLimit, kind: {regular: boolean; fifo: boolean; size: number}): Promise<Buffer> {
  const deadline = kind.regular ? Infinity : Date.now() + readTimeoutMs()
  const chunkSize = Math.min(CHUNK, limit.maxBytes + 1)
  let buffer = Buffer.allocUnsafe(Math.min(Math.max(chunkSize, kind.size + 1), limit.maxBytes + 1))
  let used = 0
  const chunks: Buffer[] = []
  let total = 0
  // A FIFO reads as empty until a writer opens it; EAGAIN means a writer is there with nothing written yet.
  let writerSeen = false
  for (;;) {
    if (Date.now() > deadline) throw tooSlow(name, total === 0 && kind.fifo && !writerSeen ? 'no writer opened this FIFO' : 'the input did not end')
    let n: number
    try {
      n = (await fh.read(buffer, used, buffer.length - used, null)).bytesRead
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
      writerSeen = true
      await pause(10)
      continue
    }
    if (n === 0) {
      if (kind.fifo && !writerSeen && total === 0) {
        await pause(20)
        continue
      }
      return joinChunks(chunks, buffer.subarray(0, used), total)
    }
    writerSeen = true
    total += n
    used += n
    if (total > limit.maxBytes) throw tooBig(name, limit)
    if (used === buffer.length) {
      chunks.push(buffer)
      buffer = Buffer.allocUnsafe(chunkSize)
      used = 0
    }
  }
}

/** All that was read; a lone chunk mostly filled is returned as it is, a small input copied to its size. */
function joinChunks(chunks: Buffer[], last: Buffer, total: number): Buffer {
  if (chunks.length === 0 && last.length * 2 >= last.buffer.byteLength) return last
  chunks.push(last)
  return Buffer.concat(chunks, total)
}

function readStdin(limit: InputLimit): Promise<Buffer> {
  const stream = process.stdin
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    const finish = (error?: UbmgrError) => {
      clearTimeout(timer)
      stream.off('data', onData).off('end', onEnd).off('error', onError)
      if (error) {
        // Stop reading: an endless producer gets EPIPE, and the process may exit.
        stream.destroy()
        reject(error)
      } else resolve(Buffer.concat(chunks, total))
    }
    const onData = (chunk: Buffer) => {
      total += chunk.length
      if (total > limit.maxBytes) finish(tooBig(STDIN_NAME, limit))
      else chunks.push(chunk)
    }
    const onEnd = () => finish()
    const onError = (error: Error) => finish(new UbmgrError(`${STDIN_NAME}: cannot read: ${describeFsError(error)}`))
    const timer = setTimeout(() => finish(tooSlow(STDIN_NAME, 'standard input did not end')), readTimeoutMs())
    stream.on('data', onData).once('end', onEnd).once('error', onError)
  })
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
