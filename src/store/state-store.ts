// ubmgr's durable state: a directory of JSON files, one per key ("domains/vm1" → domains/vm1.json),
// changed only in transactions. A transaction holds the store lock, reads committed state plus its own
// staged writes, and commits everything it staged at once (journal.ts) or nothing if it throws.
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {readdir, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {UbmgrError} from '../ground/errors.js'
import {commitChanges, JOURNAL, replayJournal, type Change} from './journal.js'
import {encodeKeySegment} from './key-names.js'
import {describe, withLock} from './lock.js'

const DELETED = Symbol('deleted')
/**
 * Says that a holder that died may have left temp files: written by a holder that found so and did not sweep
 * (store check), removed by the transaction that sweeps.
 */
const UNCLEAN = 'store.unclean'
/** Sub-directories that hold keys (temp files of dead writers are swept there too). */
export const STORE_DIRS = ['domains', 'pool', 'index']

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
  /** The committed text of each key read, so a value written back unchanged is not rewritten. */
  private readonly readTexts = new Map<string, string | undefined>()
  private readonly hooks: Array<() => Promise<void>> = []
  constructor(private readonly store: StateStore) {}

  /** Run fn after the transaction's work and before its commit (e.g. to keep an index of what it staged). */
  beforeCommit(fn: () => Promise<void>): void {
    this.hooks.push(fn)
  }

  async runHooks(): Promise<void> {
    for (const hook of this.hooks) await hook()
  }

  /** What was staged under a directory prefix: key → new value, or undefined for a removal. */
  stagedUnder(prefix: string): Array<[string, unknown]> {
    const out: Array<[string, unknown]> = []
    for (const [key, value] of this.staged) if (key.startsWith(prefix + '/')) out.push([key, value === DELETED ? undefined : value])
    return out
  }

  get dir(): string {
    return this.store.dir
  }

  async get<T>(key: string): Promise<T | undefined> {
    if (this.staged.has(key)) {
      const v = this.staged.get(key)
      return v === DELETED ? undefined : structuredClone(v as T)
    }
    const {value, text} = await this.store.readWithText<T>(key)
    this.readTexts.set(key, text)
    return value
  }

  /** The committed value of a key, whatever the transaction staged for it. */
  async committed<T>(key: string): Promise<T | undefined> {
    const text = this.readTexts.get(key)
    if (text !== undefined) return JSON.parse(text) as T
    if (this.readTexts.has(key)) return undefined
    const read = await this.store.readWithText<T>(key)
    this.readTexts.set(key, read.text)
    return read.value
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

  /** What to write: compact JSON of each staged value, leaving out values written back unchanged. */
  changes(): Change[] {
    const out: Change[] = []
    for (const [key, value] of this.staged) {
      const text = value === DELETED ? null : JSON.stringify(value) + '\n'
      if (this.readTexts.has(key) && (this.readTexts.get(key) ?? null) === text) continue
      out.push({path: keyPath(key), text})
    }
    return out
  }
}

export class StateStore {
  constructor(readonly dir: string) {}

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    await this.ensureDir()
    return withLock(this.dir, async (assertHeld, previousHolderDied) => {
      await this.recover(previousHolderDied)
      const tx = new Transaction(this)
      const result = await fn(tx)
      await tx.runHooks()
      assertHeld()
      await commitChanges(this.dir, tx.changes())
      return result
    })
  }

  /** Run fn under the store lock without a transaction (store check and repair, which look before replaying). */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    await this.ensureDir()
    return withLock(this.dir, async (_assertHeld, previousHolderDied) => {
      if (previousHolderDied) await writeFile(join(this.dir, UNCLEAN), '')
      return fn()
    })
  }

  /**
   * Under the lock: finish an interrupted commit and, when the last holder died, remove the temp files it may
   * have left (only then: listing every directory would make each transaction linear in the number of domains).
   */
  private async recover(previousHolderDied: boolean): Promise<void> {
    await replayJournal(this.dir)
    const marked = existsSync(join(this.dir, UNCLEAN))
    if (!previousHolderDied && !marked) return
    for (const sub of ['', ...STORE_DIRS]) {
      let files: string[]
      try {
        files = await readdir(join(this.dir, sub))
      } catch {
        continue
      }
      for (const f of files) if (f.startsWith('.') && f.endsWith('.tmp')) await rm(join(this.dir, sub, f), {force: true})
    }
    await rm(join(this.dir, UNCLEAN), {force: true})
  }

  /** The store directory, private to its user whatever the umask; a clear line when it cannot be one. */
  private async ensureDir(): Promise<void> {
    try {
      mkdirSync(this.dir, {recursive: true, mode: 0o700})
      if (!statSync(this.dir).isDirectory()) throw Object.assign(new Error('not a directory'), {code: 'ENOTDIR'})
    } catch (error) {
      throw new UbmgrError(`error: cannot use the state store ${this.dir}: ${describe(error as NodeJS.ErrnoException)}`)
    }
  }

  /** Before reading without the lock: complete a commit a crash interrupted (any verb does this first). */
  async settle(): Promise<void> {
    if (await this.hasPendingCommit()) await this.transaction(async () => undefined)
  }

  /** True when a commit was interrupted and must be completed before the state is read. */
  async hasPendingCommit(): Promise<boolean> {
    return existsSync(join(this.dir, JOURNAL))
  }

  /** Committed state of one key, without the lock (a journal not yet replayed is not visible). */
  async read<T>(key: string): Promise<T | undefined> {
    return (await this.readWithText<T>(key)).value
  }

  async readWithText<T>(key: string): Promise<{value: T | undefined; text: string | undefined}> {
    const path = join(this.dir, keyPath(key))
    let text: string
    try {
      // synchronous: a store file is small, and a thread-pool round trip costs ten times the read
      text = readFileSync(path, 'utf8')
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      if (e.code === 'ENOENT') return {value: undefined, text: undefined}
      throw new UbmgrError(`error: cannot read the state file ${path}: ${describe(e)}`)
    }
    try {
      return {value: JSON.parse(text) as T, text}
    } catch {
      throw new UbmgrError(`error: state file ${path} is not valid JSON; run 'ubmgr store check --repair'`)
    }
  }

  async keys(prefix: string): Promise<string[]> {
    let files: string[]
    try {
      files = readdirSync(join(this.dir, prefix))
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      if (e.code === 'ENOENT') return []
      throw new UbmgrError(`error: cannot read the state store ${join(this.dir, prefix)}: ${describe(e)}`)
    }
    return files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => keyOfFile(prefix, f))
  }
}
