// The embedded store's index of its domains: name → uuid, state, id, persistence. It makes `define` with a
// uuid independent of the number of domains and lets `list` read the index instead of every record.
// It is split into 256 shards by the first two hex digits of the uuid (index/ab.json), so a verb rewrites a
// few kilobytes however many domains there are; index.json says the shards are complete (a store written
// before sharding has a whole-index index.json of version 1, and gets the shards built).
// It is derived data: every transaction that stages domain records updates it before its commit (so they
// commit together), a store without it (or with a damaged shard) gets it rebuilt from the records, and
// `store check` compares it with them.
import type {Transaction} from '../../store/state-store.js'
import type {DomainState} from '../types.js'

/** The manifest: present and of version 2 when the shards are complete. */
export const INDEX_KEY = 'index'
export const SHARD_DIR = 'index'
export const MANIFEST = {version: 2, shards: 'uuid[0..2]'} as const

export interface IndexEntry {
  uuid: string
  state: DomainState
  id: number | null
  persistent: boolean
}

/** One shard, or the whole index merged. */
export interface DomainIndex {
  version: 1
  domains: Record<string, IndexEntry>
}

interface RecordLike {
  name: string
  uuid: string
  state: DomainState
  id: number | null
  persistent: boolean
}

export const indexEntry = (r: RecordLike): IndexEntry => ({uuid: r.uuid, state: r.state, id: r.id, persistent: r.persistent})
export const shardKey = (uuid: string): string => `${SHARD_DIR}/${uuid.slice(0, 2).toLowerCase()}`
const emptyIndex = (): DomainIndex => ({version: 1, domains: Object.create(null)})

export function manifestShape(value: unknown): string | undefined {
  const v = value as typeof MANIFEST | undefined
  if (typeof v !== 'object' || v === null || v.version !== MANIFEST.version || v.shards !== MANIFEST.shards) return 'not a sharded domain index'
  return undefined
}

export function indexShape(value: unknown): string | undefined {
  const v = value as DomainIndex | undefined
  if (typeof v !== 'object' || v === null || v.version !== 1 || typeof v.domains !== 'object' || v.domains === null || Array.isArray(v.domains)) return 'not a domain index'
  return undefined
}

/** The index from records (a rebuild); records that could not be read are left out. */
export function indexOf(records: RecordLike[]): DomainIndex {
  const index = emptyIndex()
  for (const r of records) index.domains[r.name] = indexEntry(r)
  return index
}

/** The whole index as shard key → shard. */
export function shardsOf(index: DomainIndex): Map<string, DomainIndex> {
  const shards = new Map<string, DomainIndex>()
  for (const [name, entry] of Object.entries(index.domains)) {
    const key = shardKey(entry.uuid)
    if (!shards.has(key)) shards.set(key, emptyIndex())
    shards.get(key)!.domains[name] = entry
  }
  return shards
}

/** Shards merged into one index; undefined when one is damaged or holds an entry of another shard. */
export function mergeShards(shards: Array<[string, unknown]>): DomainIndex | undefined {
  const index = emptyIndex()
  for (const [key, shard] of shards) {
    if (indexShape(shard)) return undefined
    for (const [name, entry] of Object.entries((shard as DomainIndex).domains)) {
      if (typeof entry?.uuid !== 'string' || shardKey(entry.uuid) !== key || name in index.domains) return undefined
      index.domains[name] = entry
    }
  }
  return index
}

/** How the index of a transaction is read: the shard of a uuid, the committed record of a domain, a rebuild. */
export interface IndexSource {
  /** The manifest is there: the shards can be trusted (a damaged one throws). */
  sharded(): Promise<boolean>
  committedRecord(key: string): Promise<RecordLike | undefined>
  /** Every record as the transaction sees it, for a rebuild. */
  records(): Promise<RecordLike[]>
}

/**
 * Keep the index of one transaction: before its commit, the shards of what it staged under domains/ are updated
 * and staged (a domain removed, or moved by a new uuid, leaves its old shard), or, when the shards cannot be
 * trusted, every shard is written anew from the records.
 */
export function keepIndex(tx: Transaction, source: IndexSource): void {
  tx.beforeCommit(async () => {
    const staged = tx.stagedUnder('domains')
    if (staged.length === 0) return
    const trusted = await source.sharded().catch(() => false)
    if (!trusted || !(await updateShards(tx, source, staged).then(() => true, () => false))) await rebuild(tx, source)
  })
}

async function updateShards(tx: Transaction, source: IndexSource, staged: Array<[string, unknown]>): Promise<void> {
  for (const [key, value] of staged) {
    const name = key.slice('domains/'.length)
    const before = await source.committedRecord(key).catch(() => undefined)
    const after = value as RecordLike | undefined
    if (before && (!after || shardKey(before.uuid) !== shardKey(after.uuid))) await editShard(tx, shardKey(before.uuid), (s) => delete s.domains[name])
    if (after) await editShard(tx, shardKey(after.uuid), (s) => (s.domains[name] = indexEntry(after)))
  }
}

/** Read a shard (as staged so far), edit it, stage it; a damaged shard throws. */
async function editShard(tx: Transaction, key: string, edit: (shard: DomainIndex) => unknown): Promise<void> {
  const stored = (await tx.get<DomainIndex>(key)) ?? emptyIndex()
  if (indexShape(stored)) throw new Error(`damaged index shard ${key}`)
  // without a prototype, a domain named "__proto__" is an entry like any other
  const shard: DomainIndex = {version: 1, domains: Object.assign(Object.create(null), stored.domains)}
  edit(shard)
  if (Object.keys(shard.domains).length === 0) tx.delete(key)
  else tx.put(key, shard)
}

/** Every shard from the records, stale shards removed, then the manifest. */
async function rebuild(tx: Transaction, source: IndexSource): Promise<void> {
  const shards = shardsOf(indexOf(await source.records()))
  for (const key of await tx.keys(SHARD_DIR)) if (!shards.has(key)) tx.delete(key)
  for (const [key, shard] of shards) tx.put(key, shard)
  tx.put(INDEX_KEY, MANIFEST)
}
