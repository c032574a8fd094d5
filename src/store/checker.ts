// The store's own consistency check (`ubmgr store check`): what any store can get wrong on disk, whatever it
// holds — an interrupted commit (journal.json left behind), temp files of writers that died, files that are
// not JSON or not the shape their key needs. The backend adds what its records must agree on. Repair moves a
// damaged file aside to DIR/damaged/ (never deletes it), so the user can look at it afterwards.
import {mkdir, readdir, readFile, rename, rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {JOURNAL, replayJournal} from './journal.js'
import {keyPath, STORE_DIRS, type StateStore} from './state-store.js'

export type FindingKind = 'journal' | 'temp' | 'damaged' | 'inconsistent'

export interface Finding {
  kind: FindingKind
  /** The store key or file the finding is about. */
  subject: string
  message: string
  /** What --repair did about it (absent when nothing was done, or without --repair). */
  repaired?: string
}

/** Says why a parsed value is not the shape its key needs, or undefined when it is. */
export type ShapeCheck = (value: unknown, key: string) => string | undefined

/** One key's committed value, when it parsed and had the right shape. */
export type Scanned = Map<string, unknown>

export const DAMAGED_DIR = 'damaged'

/**
 * Scan every key file. `shapes` maps a key ("host") or a directory prefix ("domains/") to its shape check.
 * With `repair`, a pending commit is completed (or moved aside when damaged), temp files are removed and
 * damaged files moved aside; the caller holds the store lock then.
 */
export async function scanStore(store: StateStore, shapes: Record<string, ShapeCheck>, repair: boolean): Promise<{findings: Finding[]; values: Scanned}> {
  const findings: Finding[] = []
  await checkJournal(store, repair, findings)
  const values: Scanned = new Map()
  for (const sub of ['', ...STORE_DIRS]) {
    let files: string[]
    try {
      files = await readdir(join(store.dir, sub))
    } catch {
      continue
    }
    for (const file of files.sort()) {
      const path = join(sub, file)
      if (file.startsWith('.') && file.endsWith('.tmp')) {
        const f: Finding = {kind: 'temp', subject: path, message: `temp file ${join(store.dir, path)} left by a writer that died`}
        if (repair) {
          await rm(join(store.dir, path), {force: true})
          f.repaired = 'removed'
        }
        findings.push(f)
        continue
      }
      if (!file.endsWith('.json') || file === JOURNAL) continue
      const key = sub ? `${sub}/${decodeKey(file)}` : decodeKey(file)
      const check = shapes[key] ?? shapes[`${sub}/`]
      if (!check) continue
      const why = await readChecked(store, key, check)
      if (typeof why !== 'string') {
        values.set(key, why.value)
        continue
      }
      const f: Finding = {kind: 'damaged', subject: key, message: `state file ${join(store.dir, path)} ${why}`}
      if (repair) f.repaired = `moved to ${await moveAside(store, path)}`
      findings.push(f)
    }
  }
  return {findings, values}
}

async function readChecked(store: StateStore, key: string, check: ShapeCheck): Promise<{value: unknown} | string> {
  let text: string
  try {
    text = await readFile(join(store.dir, keyPath(key)), 'utf8')
  } catch (error) {
    return `cannot be read: ${(error as Error).message}`
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return 'is not valid JSON'
  }
  const why = check(value, key)
  return why === undefined ? {value} : `is not a valid record: ${why}`
}

async function checkJournal(store: StateStore, repair: boolean, findings: Finding[]): Promise<void> {
  if (!(await store.hasPendingCommit())) return
  const f: Finding = {kind: 'journal', subject: JOURNAL, message: `an interrupted commit (${join(store.dir, JOURNAL)}) is not yet completed`}
  if (repair) {
    try {
      await replayJournal(store.dir)
      f.repaired = 'completed'
    } catch {
      f.message = `the journal of an interrupted commit (${join(store.dir, JOURNAL)}) is damaged`
      f.repaired = `moved to ${await moveAside(store, JOURNAL)}`
    }
  }
  findings.push(f)
}

/** Move a store file to DIR/damaged/ under a name that says when; returns the new path. */
export async function moveAside(store: StateStore, path: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const to = join(store.dir, DAMAGED_DIR, `${path}.${stamp}`)
  await mkdir(dirname(to), {recursive: true, mode: 0o700})
  await rename(join(store.dir, path), to)
  return to
}

function decodeKey(file: string): string {
  const stem = file.slice(0, -'.json'.length)
  try {
    return decodeURIComponent(stem)
  } catch {
    return stem
  }
}
