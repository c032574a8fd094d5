// The embedded backend's state on ubmgr's store (src/store): one JSON file per domain, the simulated
// host, and store counters. Verbs change them only inside one transaction, which commits all of its
// writes at once, so a crash never leaves a domain and the host disagreeing.
import {homedir} from 'node:os'
import {join} from 'node:path'

import type {UbVmDefinition} from '../../definition/types.js'
import {UbmgrError} from '../../ground/errors.js'
import {keyPath, StateStore, type Transaction} from '../../store/state-store.js'
import {mapBounded} from '../../store/bounded.js'
import {INDEX_KEY, indexEntry, indexOf, indexShape, keepIndex, manifestShape, mergeShards, SHARD_DIR, shardKey, type DomainIndex, type IndexEntry} from './domain-index.js'
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
  /** Why it is in its state (virsh domstate --reason): booted, unpaused, user, destroyed, shutdown. */
  reason?: string
  autostart?: boolean
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
const STATES: readonly string[] = ['running', 'paused', 'shut off'] satisfies DomainState[]
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Why a parsed domain file is not a domain record of its key, or undefined when it is one. */
export function domainShape(value: unknown, key: string): string | undefined {
  if (!isObject(value)) return 'not a JSON object'
  const name = key.slice('domains/'.length)
  if (value.version !== 1) return `unknown version ${JSON.stringify(value.version)}`
  if (value.name !== name) return `its name ${JSON.stringify(value.name)} is not its file's (${JSON.stringify(name)})`
  if (typeof value.uuid !== 'string') return 'no uuid'
  if (typeof value.state !== 'string' || !STATES.includes(value.state)) return `unknown state ${JSON.stringify(value.state)}`
  if (typeof value.persistent !== 'boolean') return 'no persistent flag'
  if (value.config !== null && !isObject(value.config)) return 'config is neither a definition nor null'
  if (value.live !== null && !isObject(value.live)) return 'live is neither a definition nor null'
  if (value.persistent && value.config === null) return 'persistent without a config'
  if (value.state === 'shut off' && value.live !== null) return 'shut off but has a running definition'
  if (value.state !== 'shut off' && value.live === null) return `${value.state} without a running definition`
  return undefined
}

export function hostShape(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object'
  if (!Array.isArray(value.entities) || !Array.isArray(value.instances)) return 'no entities or bus instances'
  return undefined
}

export function ledgerShape(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object'
  if (value.version !== 1 || !Array.isArray(value.cards) || !Array.isArray(value.busInstances)) return 'no cards or bus instances'
  return undefined
}

export function metaShape(value: unknown): string | undefined {
  if (!isObject(value) || !Number.isSafeInteger(value.nextId)) return 'no nextId'
  return undefined
}

/** A damaged domain file as one line naming the file and the fix. */
function damaged(dir: string, key: string, why: string): UbmgrError {
  return new UbmgrError(`error: state file ${join(dir, keyPath(key))} is not a valid domain record (${why}); run 'ubmgr store check --repair'`)
}

function checkedDomain(dir: string, key: string, value: unknown): DomainRecord | undefined {
  if (value === undefined) return undefined
  const why = domainShape(value, key)
  if (why) throw damaged(dir, key, why)
  return value as DomainRecord
}
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

  /**
   * What list prints, from the index: name, uuid, state, id. The directory listing (cheap) must name the same
   * domains as the index; when it does not (no index yet, a damaged one, a file added by hand) every record is
   * read instead, which also reports damaged files one line each.
   */
  async listSummaries(): Promise<{domains: Array<IndexEntry & {name: string}>; damaged: string[]}> {
    await this.state.settle()
    const index = await this.readIndex()
    const names = (await this.state.keys('domains')).map((k) => k.slice('domains/'.length))
    if (index && names.length === Object.keys(index.domains).length && names.every((n) => n in index.domains))
      return {domains: names.sort().map((name) => ({name, ...index.domains[name]})), damaged: []}
    const {domains, damaged} = await this.listDomainsTolerant()
    return {domains: domains.map((r) => ({name: r.name, ...indexEntry(r)})), damaged}
  }

  /** The committed index, its shards merged; undefined when there is none or a shard is damaged. */
  private async readIndex(): Promise<DomainIndex | undefined> {
    if (manifestShape(await this.state.read(INDEX_KEY).catch(() => undefined))) return undefined
    const keys = await this.state.keys(SHARD_DIR)
    const shards = await mapBounded(keys, (k) => this.state.read(k)).catch(() => undefined)
    return shards && mergeShards(keys.map((k, i) => [k, shards[i]]))
  }

  async readDomain(name: string): Promise<DomainRecord | undefined> {
    await this.state.settle()
    return checkedDomain(this.dir, domainKey(name), await this.state.read(domainKey(name)))
  }

  /** Every domain; throws on the first damaged file. */
  async listDomains(): Promise<DomainRecord[]> {
    const {domains, damaged} = await this.listDomainsTolerant()
    if (damaged.length > 0) throw new UbmgrError(damaged)
    return domains
  }

  /** The good domains, and one error line per damaged domain file. */
  async listDomainsTolerant(): Promise<{domains: DomainRecord[]; damaged: string[]}> {
    await this.state.settle()
    const keys = await this.state.keys('domains')
    const read = await mapBounded(keys, async (k) => {
      try {
        return checkedDomain(this.dir, k, await this.state.read(k))
      } catch (error) {
        if (error instanceof UbmgrError) return error.lines.join(' ')
        throw error
      }
    })
    const domains = read.filter((r): r is DomainRecord => typeof r === 'object')
    return {domains: domains.sort(byName), damaged: read.filter((r): r is string => typeof r === 'string')}
  }
}

/** The embedded backend's view of one transaction. */
export class EmbeddedTx {
  constructor(readonly tx: Transaction) {
    keepIndex(tx, {
      sharded: async () => manifestShape(await tx.get(INDEX_KEY)) === undefined,
      committedRecord: (key) => tx.committed(key),
      records: () => this.allRecords(),
    })
  }

  /** The name of the domain with this uuid: from its index shard, or from the records when the index is not there. */
  async nameOfUuid(uuid: string): Promise<string | undefined> {
    const shard = await this.uuidShard(uuid)
    const domains = shard?.domains ?? indexOf(await this.allRecords()).domains
    for (const name in domains) if (domains[name].uuid === uuid) return name
    return undefined
  }

  /** The shard of a uuid when the index can be trusted, else undefined. */
  private async uuidShard(uuid: string): Promise<DomainIndex | undefined> {
    try {
      if (manifestShape(await this.tx.get(INDEX_KEY))) return undefined
      const shard = (await this.tx.get<DomainIndex>(shardKey(uuid))) ?? {version: 1, domains: {}}
      return indexShape(shard) ? undefined : shard
    } catch {
      return undefined
    }
  }

  private async allRecords(): Promise<DomainRecord[]> {
    return (await mapBounded(await this.tx.keys('domains'), (k) => this.readRecordOrSkip(k))).filter((r): r is DomainRecord => r !== undefined)
  }

  private async readRecordOrSkip(key: string): Promise<DomainRecord | undefined> {
    try {
      return checkedDomain(this.tx.dir, key, await this.tx.get(key))
    } catch {
      return undefined
    }
  }

  async readDomain(name: string): Promise<DomainRecord | undefined> {
    return checkedDomain(this.tx.dir, domainKey(name), await this.tx.get(domainKey(name)))
  }

  async listDomains(): Promise<DomainRecord[]> {
    const records = await mapBounded(await this.tx.keys('domains'), async (k) => checkedDomain(this.tx.dir, k, await this.tx.get(k)))
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
