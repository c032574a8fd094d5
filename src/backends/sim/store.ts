// The embedded backend's state: one human-readable JSON file per domain, one for the simulated host's
// pool, one for store counters. Every write is atomic (temp file, fsync, rename, fsync dir) and every
// read-modify-write runs under one cross-process lock (proper-lockfile; a lock left by a killed process
// goes stale after 2 s and is taken over), so parallel commands never lose each other's changes.
import {mkdir, readdir, readFile, rm} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'
import lockfile from 'proper-lockfile'

import type {UbVmDefinition} from '../../definition/types.js'
import {writeFileAtomic} from '../../output/atomic-write.js'
import {UbmgrError} from '../../output/errors.js'
import type {DomainState} from '../types.js'

export interface DomainRecord {
  version: 1
  name: string
  uuid: string
  state: DomainState
  id: number | null
  persistent: boolean
  /** The persistent (inactive) definition; null for a transient domain. */
  config: UbVmDefinition | null
  /** The running definition; null when shut off. */
  live: UbVmDefinition | null
  /** What the simulator keeps for a running domain (guest state). */
  sim: unknown
}

export interface StoreMeta {
  version: 1
  nextId: number
}

/** $UBMGR_STATE_DIR, else the XDG state directory. */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.UBMGR_STATE_DIR) return env.UBMGR_STATE_DIR
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'ubmgr')
}

const fileName = (name: string) => `${encodeURIComponent(name).replace(/\./g, '%2E')}.json`

export class EmbeddedStore {
  readonly dir: string
  constructor(storeName: string, root = stateRoot()) {
    this.dir = join(root, storeName)
  }

  private get domainsDir() {
    return join(this.dir, 'domains')
  }

  async init(): Promise<void> {
    await mkdir(this.domainsDir, {recursive: true})
  }

  /** Run fn holding the store lock; fn reads fresh state and writes through the store. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.init()
    let release: () => Promise<void>
    try {
      release = await lockfile.lock(this.dir, {
        lockfilePath: join(this.dir, 'store.lock'),
        stale: 2000,
        update: 500,
        realpath: false,
        retries: {retries: 600, factor: 1.3, minTimeout: 5, maxTimeout: 100, randomize: true},
      })
    } catch (error) {
      throw new UbmgrError(`error: cannot lock the state store ${this.dir}: ${(error as Error).message}`)
    }
    try {
      return await fn()
    } finally {
      await release().catch(() => undefined)
    }
  }

  async readDomain(name: string): Promise<DomainRecord | undefined> {
    return readJson<DomainRecord>(join(this.domainsDir, fileName(name)))
  }

  async listDomains(): Promise<DomainRecord[]> {
    let files: string[]
    try {
      files = await readdir(this.domainsDir)
    } catch {
      return []
    }
    const records = await Promise.all(files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => readJson<DomainRecord>(join(this.domainsDir, f))))
    return records.filter((r): r is DomainRecord => r !== undefined).sort((a, b) => a.name.localeCompare(b.name))
  }

  async writeDomain(record: DomainRecord): Promise<void> {
    await writeFileAtomic(join(this.domainsDir, fileName(record.name)), JSON.stringify(record, null, 2) + '\n')
  }

  async removeDomain(name: string): Promise<void> {
    await rm(join(this.domainsDir, fileName(name)), {force: true})
  }

  async readMeta(): Promise<StoreMeta> {
    return (await readJson<StoreMeta>(join(this.dir, 'store.json'))) ?? {version: 1, nextId: 1}
  }

  async writeMeta(meta: StoreMeta): Promise<void> {
    await writeFileAtomic(join(this.dir, 'store.json'), JSON.stringify(meta, null, 2) + '\n')
  }

  /** The simulated host's pool state (bus-instance locks, devices in use, simulator host model). */
  async readPool<T>(): Promise<T | undefined> {
    return readJson<T>(join(this.dir, 'pool.json'))
  }

  async writePool(pool: unknown): Promise<void> {
    await writeFileAtomic(join(this.dir, 'pool.json'), JSON.stringify(pool, null, 2) + '\n')
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
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
    throw new UbmgrError(`error: state file ${path} is not valid JSON; it was not written by ubmgr (ubmgr writes atomically)`)
  }
}
