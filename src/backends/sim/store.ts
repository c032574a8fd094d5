// The embedded backend's state on ubmgr's store (src/store): one JSON file per domain, the simulated
// host, and store counters. Verbs change them only inside one transaction, which commits all of its
// writes at once, so a crash never leaves a domain and the host disagreeing.
import {homedir} from 'node:os'
import {join} from 'node:path'

import type {UbVmDefinition} from '../../definition/types.js'
import {StateStore, type Transaction} from '../../store/state-store.js'
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

const domainKey = (name: string) => `domains/${name}`
const byName = (a: DomainRecord, b: DomainRecord) => a.name.localeCompare(b.name)

/** Reads of committed state, outside any transaction (read-only verbs). */
export class EmbeddedStore {
  readonly state: StateStore
  constructor(storeName: string, root = stateRoot()) {
    this.state = new StateStore(join(root, storeName))
  }

  get dir(): string {
    return this.state.dir
  }

  transaction<T>(fn: (tx: EmbeddedTx) => Promise<T>): Promise<T> {
    return this.state.transaction((tx) => fn(new EmbeddedTx(tx)))
  }

  readDomain(name: string): Promise<DomainRecord | undefined> {
    return this.state.read<DomainRecord>(domainKey(name))
  }

  async listDomains(): Promise<DomainRecord[]> {
    const keys = await this.state.keys('domains')
    const records = await Promise.all(keys.map((k) => this.state.read<DomainRecord>(k)))
    return records.filter((r): r is DomainRecord => r !== undefined).sort(byName)
  }
}

/** The embedded backend's view of one transaction. */
export class EmbeddedTx {
  constructor(readonly tx: Transaction) {}

  readDomain(name: string): Promise<DomainRecord | undefined> {
    return this.tx.get<DomainRecord>(domainKey(name))
  }

  async listDomains(): Promise<DomainRecord[]> {
    const records = await Promise.all((await this.tx.keys('domains')).map((k) => this.tx.get<DomainRecord>(k)))
    return records.filter((r): r is DomainRecord => r !== undefined).sort(byName)
  }

  writeDomain(record: DomainRecord): void {
    this.tx.put(domainKey(record.name), record)
  }

  removeDomain(name: string): void {
    this.tx.delete(domainKey(name))
  }

  async readMeta(): Promise<StoreMeta> {
    return (await this.tx.get<StoreMeta>('store')) ?? {version: 1, nextId: 1}
  }

  writeMeta(meta: StoreMeta): void {
    this.tx.put('store', meta)
  }

  /** The simulated host (bus-instance locks, devices in use, the host model). */
  readHost<T>(): Promise<T | undefined> {
    return this.tx.get<T>('host')
  }

  writeHost(host: unknown): void {
    this.tx.put('host', host)
  }
}
