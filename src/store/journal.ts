// The commit point of a transaction that changes several files: a redo journal. The journal file is
// written atomically (so it is either whole or absent), then every change is applied, then the journal
// is removed. A crash before the journal lands changes nothing; a crash after it is completed by the
// next transaction (replay is idempotent: each change is a whole-file write or a removal).
import {mkdirSync, readFileSync, renameSync, rmSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {UbmgrError} from '../ground/errors.js'
import {syncFiles, writeFileDurable, writeTemp} from './atomic-file.js'
import {crashPoint, nonAtomicForTest} from './crash-point.js'

export const JOURNAL = 'journal.json'

/** One change: the new JSON text of a file, or null to remove it. Paths are relative to the store. */
export interface Change {
  path: string
  text: string | null
}

/**
 * Commit the changes at once. Several go through the journal, with three waits for the disk whatever their
 * number: the journal and every new file are written to temp files and synced together; the journal is renamed
 * into place and its directory synced (the commit point); the files are renamed into place and the directories
 * they touched are synced together, before the journal goes.
 */
export async function commitChanges(dir: string, changes: Change[]): Promise<void> {
  if (changes.length === 0) return
  if (changes.length === 1 || nonAtomicForTest()) {
    for (const change of changes) applyChange(dir, change)
    return
  }
  const temps: Array<string | undefined> = []
  try {
    for (const c of changes) temps.push(c.text === null ? undefined : writeTemp(ensureParent(join(dir, c.path)), c.text))
    const journal = writeTemp(join(dir, JOURNAL), JSON.stringify({version: 1, changes}) + '\n')
    temps.push(journal)
    await syncFiles(temps.filter((t): t is string => t !== undefined))
    renameSync(journal, join(dir, JOURNAL))
    temps.pop()
  } catch (error) {
    for (const t of temps) if (t) rmSync(t, {force: true})
    throw error
  }
  crashPoint()
  await syncFiles([dir])
  // the commit point is passed: a crash from here on is completed by replaying the journal
  const touched = new Set<string>()
  changes.forEach((c, i) => {
    const path = join(dir, c.path)
    if (c.text === null) rmSync(path, {force: true})
    else renameSync(temps[i]!, path)
    touched.add(dirname(path))
    crashPoint()
  })
  await syncFiles(touched)
  await rm(join(dir, JOURNAL), {force: true})
  crashPoint()
}

/** The directories of a store file exist (0700 whatever the umask); returns the path. */
function ensureParent(path: string): string {
  mkdirSync(dirname(path), {recursive: true, mode: 0o700})
  return path
}

/** Complete a transaction a crash interrupted after its commit point. */
export async function replayJournal(dir: string): Promise<boolean> {
  let text: string
  try {
    text = readFileSync(join(dir, JOURNAL), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
  let journal: {version: number; changes: Change[]}
  try {
    journal = JSON.parse(text)
  } catch {
    throw new UbmgrError(`error: store journal ${join(dir, JOURNAL)} is damaged; run 'ubmgr store check --repair'`)
  }
  for (const change of journal.changes) applyChange(dir, change)
  await rm(join(dir, JOURNAL), {force: true})
  return true
}

/** Apply one change on its own: a new text durably; a removal, as before, without a directory fsync. */
function applyChange(dir: string, change: Change): void {
  const path = join(dir, change.path)
  if (change.text !== null) return writeFileDurable(ensureParent(path), change.text)
  rmSync(path, {force: true})
  crashPoint()
}
