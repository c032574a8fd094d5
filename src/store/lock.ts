// One cross-process lock per store directory (proper-lockfile): every read-modify-write of a store runs
// under it, so parallel commands never lose each other's changes. The holder refreshes the lock's mtime
// every second; a lock not refreshed for STALE_MS (its holder paused that long) is taken over, and a holder
// that finds its lock taken over stops before it commits and says so (never an uncaught crash).
// A killed holder is noticed at once rather than after STALE_MS: the holder records its pid and the lock
// directory's inode in store.lock.owner (the store is local, so pids are this machine's). A waiter that
// finds that pid gone renames the lock aside (rename is atomic: one waiter wins), checks by inode that it
// moved the dead holder's lock and not one taken meanwhile (else puts it back), and keeps the moved
// directory until a later holder sweeps it, so its inode cannot be reused within the race window.
// Only "somebody holds it" is waited for: a store that cannot be locked at all (read-only file system, no
// permission, not a directory) fails at once.
import lockfile from 'proper-lockfile'
import {randomBytes} from 'node:crypto'
import {existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {readFile, rename, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {UbmgrError} from '../ground/errors.js'

export const STALE_MS = 10_000
const UPDATE_MS = 1_000
/** How long a command waits for other holders before giving up. */
const WAIT_MS = Number(process.env.UBMGR_LOCK_WAIT_MS) || 120_000
const LOCK = 'store.lock'
const OWNER = 'store.lock.owner'
const DEAD = 'store.lock.dead-'

/** Throws if the lock was lost while the holder worked; call it right before committing. */
export type AssertHeld = () => void

/**
 * `previousHolderDied`: the last holder did not release the lock (its owner record was still there), so it may
 * have left temp files or an interrupted commit behind.
 */
export async function withLock<T>(dir: string, fn: (assertHeld: AssertHeld, previousHolderDied: boolean) => Promise<T>): Promise<T> {
  let lost: Error | undefined
  const {release, previousHolderDied} = await acquire(dir, (error) => {
    lost = error
  })
  // The heartbeat that keeps the lock fresh runs on timers; after a pause (SIGSTOP, a stalled machine) code
  // runs before any timer fires, so the pause itself is measured: one long enough that a waiter may have
  // found the lock stale counts as lost, even before proper-lockfile notices.
  let lastTick = Date.now()
  const ticker = setInterval(() => (lastTick = Date.now()), UPDATE_MS / 2)
  ticker.unref()
  const assertHeld = (): void => {
    const paused = Date.now() - lastTick
    if (!lost && paused > STALE_MS - 3 * UPDATE_MS) lost = new Error(`the process was paused for ${Math.round(paused / 1000)} s`)
    if (lost) throw new UbmgrError(`error: lost the lock of the state store ${dir} (${lost.message}); nothing was committed, run the command again`)
  }
  try {
    const result = await fn(assertHeld, previousHolderDied)
    assertHeld()
    return result
  } finally {
    clearInterval(ticker)
    if (!lost) {
      // the owner record goes first: a record left behind must never name a later holder's lock
      try {
        rmSync(join(dir, OWNER), {force: true})
      } catch {
        // the lock itself is still released
      }
      await release().catch(() => undefined)
    }
  }
}

async function acquire(dir: string, onCompromised: (error: Error) => void): Promise<{release: () => Promise<void>; previousHolderDied: boolean}> {
  const deadline = Date.now() + WAIT_MS
  for (let wait = 5; ; wait = Math.min(wait * 1.3, 100)) {
    try {
      const release = await lockfile.lock(dir, {lockfilePath: join(dir, LOCK), stale: STALE_MS, update: UPDATE_MS, realpath: false, retries: 0, onCompromised})
      // a holder removes its owner record when it releases: one still there was left by a holder that died
      const previousHolderDied = existsSync(join(dir, OWNER))
      await recordOwner(dir)
      await sweepDeadLocks(dir)
      return {release, previousHolderDied}
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ELOCKED') throw new UbmgrError(`error: cannot lock the state store ${dir}: ${describe(error as NodeJS.ErrnoException)}`)
      if (await takeOverFromDeadHolder(dir)) continue
      if (Date.now() > deadline) throw new UbmgrError(`error: the state store ${dir} stayed locked by another ubmgr for ${Math.round(WAIT_MS / 1000)} s; is a command hung?`)
      await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random())))
    }
  }
}

interface Owner {
  pid: number
  ino: number
}

async function recordOwner(dir: string): Promise<void> {
  try {
    // synchronous, as the store's other small writes: no thread-pool round trip per call
    const {ino} = statSync(join(dir, LOCK))
    const tmp = join(dir, `${OWNER}.${process.pid}`)
    writeFileSync(tmp, JSON.stringify({pid: process.pid, ino} satisfies Owner))
    renameSync(tmp, join(dir, OWNER))
  } catch {
    // without a record a killed holder's lock is taken over after STALE_MS instead
  }
}

async function readOwner(dir: string): Promise<Owner | undefined> {
  try {
    const o = JSON.parse(await readFile(join(dir, OWNER), 'utf8')) as Owner
    return Number.isSafeInteger(o.pid) && o.pid > 0 && Number.isSafeInteger(o.ino) ? o : undefined
  } catch {
    return undefined
  }
}

async function takeOverFromDeadHolder(dir: string): Promise<boolean> {
  const owner = await readOwner(dir)
  if (!owner || alive(owner.pid)) return false
  const lock = join(dir, LOCK)
  const current = await stat(lock).catch(() => undefined)
  // a record of an earlier lock: the current holder has not written its own yet
  if (current?.ino !== owner.ino) return false
  const aside = join(dir, `${DEAD}${randomBytes(4).toString('hex')}`)
  try {
    await rename(lock, aside)
  } catch {
    return false
  }
  if ((await stat(aside).catch(() => undefined))?.ino !== owner.ino) {
    await rename(aside, lock).catch(() => undefined)
    return false
  }
  return true
}

/** Under the lock: remove dead holders' lock directories moved aside more than STALE_MS ago (rename sets ctime). */
async function sweepDeadLocks(dir: string): Promise<void> {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const n of names) {
    if (!n.startsWith(DEAD)) continue
    const st = await stat(join(dir, n)).catch(() => undefined)
    if (st && Date.now() - st.ctimeMs > STALE_MS) await rm(join(dir, n), {recursive: true, force: true}).catch(() => undefined)
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function describe(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EROFS':
      return 'read-only file system'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'ENOTDIR':
      return 'not a directory'
    case 'ENOSPC':
      return 'no space left on device'
    case 'ENOENT':
      return 'no such file or directory'
    default:
      return error.message
  }
}
