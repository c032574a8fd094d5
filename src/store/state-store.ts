// ubmgr's durable state: a directory of JSON files, one per key ("domains/vm1" → domains/vm1.json),
// changed only in transactions. A transaction holds the store lock, reads committed state plus its own
// staged writes, and commits everything it staged at once (journal.ts) or nothing if it throws.
import {mkdir, readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {UbmgrError} from '../ground/errors.js'
import {commitChanges, replayJournal, type Change} from './journal.js'
import {encodeKeySegment} from './key-names.js'
import {withLock} from './lock.js'

const DELETED = Symbol('deleted')

/** A key's file: every segment but the last is a directory; the last is percent-encoded. */
export function keyPath(key: string): string {
  const parts = key.split('/')
  const last = parts.pop()!
  return join(parts.join('/'), `${encodeKeySegment(last)}.json`)
}

function keyOfFile(prefixDir: string, file: string): string {
  return `${prefixDir}/${decodeURIComponent(file.slice(0, -'.json'.length))}`
}

export class Transaction {
  private readonly staged = new Map<string, unknown>()
  constructor(private readonly store: StateStore) {}

  async get<T>(key: string): Promise<T | undefined> {
    if (this.staged.has(key)) {
      const v = this.staged.get(key)
      return v === DELETED ? undefined : structuredClone(v as T)
    }
    return this.store.read<T>(key)
  }

  put(key: string, value: unknown): void {
    this.staged.set(key, value)
  }

  delete(key: string): void {
    this.staged.set(key, DELETED)
  }

  /** Keys under a directory prefix ("domains"), committed and staged. */
  async keys(prefix: string): Promise<string[]> {
    const keys = new Set(await this.store.keys(prefix))
    for (const [key, value] of this.staged)
      if (key.startsWith(prefix + '/')) value === DELETED ? keys.delete(key) : keys.add(key)
    return [...keys].sort()
  }

  changes(): Change[] {
    return [...this.staged].map(([key, value]) => ({path: keyPath(key), text: value === DELETED ? null : JSON.stringify(value, null, 2) + '\n'}))
  }
}

export class StateStore {
  constructor(readonly dir: string) {}

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    await mkdir(this.dir, {recursive: true})
    return withLock(this.dir, async () => {
      await replayJournal(this.dir)
      const tx = new Transaction(this)
      const result = await fn(tx)
      await commitChanges(this.dir, tx.changes())
      return result
    })
  }

  /** Committed state of one key, without the lock (a journal not yet replayed is not visible). */
  async read<T>(key: string): Promise<T | undefined> {
    const path = join(this.dir, keyPath(key))
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    try {
      return JSON.parse(text) as T
    } catch {
      throw new UbmgrError(`error: state file ${path} is not valid JSON; run 'ubmgr store check --repair'`)
    }
  }

  async keys(prefix: string): Promise<string[]> {
    let files: string[]
    try {
      files = await readdir(join(this.dir, prefix))
    } catch {
      return []
    }
    return files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => keyOfFile(prefix, f))
  }
}
