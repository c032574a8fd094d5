// The commit point of a transaction that changes several files: a redo journal. The journal file is
// written atomically (so it is either whole or absent), then every change is applied, then the journal
// is removed. A crash before the journal lands changes nothing; a crash after it is completed by the
// next transaction (replay is idempotent: each change is a whole-file write or a removal).
import {mkdir, readFile, rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {UbmgrError} from '../ground/errors.js'
import {syncDirectory, writeFileAtomic} from './atomic-file.js'
import {crashPoint, nonAtomicForTest} from './crash-point.js'

export const JOURNAL = 'journal.json'

/** One change: the new JSON text of a file, or null to remove it. Paths are relative to the store. */
export interface Change {
  path: string
  text: string | null
}

export async function commitChanges(dir: string, changes: Change[]): Promise<void> {
  if (changes.length === 0) return
  if (changes.length === 1 || nonAtomicForTest()) {
    for (const change of changes) await applyChange(dir, change)
    return
  }
  await writeFileAtomic(join(dir, JOURNAL), JSON.stringify({version: 1, changes}) + '\n')
  // after the commit point a crash is repaired by replaying the journal, so the renames need not be durable
  // one by one: each directory they touched is synced once, before the journal goes
  const touched = new Set<string>()
  for (const change of changes) touched.add(await applyChange(dir, change, false))
  for (const d of touched) {
    await syncDirectory(d)
    crashPoint()
  }
  await rm(join(dir, JOURNAL), {force: true})
  crashPoint()
}

/** Complete a transaction a crash interrupted after its commit point. */
export async function replayJournal(dir: string): Promise<boolean> {
  let text: string
  try {
    text = await readFile(join(dir, JOURNAL), 'utf8')
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
  for (const change of journal.changes) await applyChange(dir, change)
  await rm(join(dir, JOURNAL), {force: true})
  return true
}

/** Apply one change; returns the directory it touched. */
async function applyChange(dir: string, change: Change, syncDir = true): Promise<string> {
  const path = join(dir, change.path)
  if (change.text === null) {
    await rm(path, {force: true})
    crashPoint()
  } else {
    await mkdir(dirname(path), {recursive: true, mode: 0o700})
    await writeFileAtomic(path, change.text, undefined, {syncDir})
  }
  return dirname(path)
}
