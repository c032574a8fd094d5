// The embedded store's index of its domains (index.json): name → uuid, state, id, persistence. It makes
// `define` with a uuid O(1) in the number of domains and lets `list` read one file instead of every record.
// It is derived data: every transaction that stages domain records updates it before its commit (so the two
// commit together), a store without one (or with a damaged one) gets it rebuilt from the records, and
// `store check` compares it with them.
import type {Transaction} from '../../store/state-store.js'
import type {DomainState} from '../types.js'

export const INDEX_KEY = 'index'

export interface IndexEntry {
  uuid: string
  state: DomainState
  id: number | null
  persistent: boolean
}

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

export function indexShape(value: unknown): string | undefined {
  const v = value as DomainIndex | undefined
  if (typeof v !== 'object' || v === null || v.version !== 1 || typeof v.domains !== 'object' || v.domains === null || Array.isArray(v.domains)) return 'not a domain index'
  return undefined
}

/** The index from records (a rebuild); records that could not be read are left out. */
export function indexOf(records: RecordLike[]): DomainIndex {
  const domains: Record<string, IndexEntry> = Object.create(null)
  for (const r of records) domains[r.name] = indexEntry(r)
  return {version: 1, domains}
}

/**
 * Keep the index of one transaction: `committed` reads the committed index (or rebuilds it); the hook applies
 * what the transaction staged under domains/ and stages the new index.
 */
export function keepIndex(tx: Transaction, committed: () => Promise<DomainIndex>): void {
  tx.beforeCommit(async () => {
    const staged = tx.stagedUnder('domains')
    if (staged.length === 0) return
    const index = structuredClone(await committed())
    for (const [key, value] of staged) {
      const name = key.slice('domains/'.length)
      if (value === undefined) delete index.domains[name]
      else index.domains[name] = indexEntry(value as RecordLike)
    }
    tx.put(INDEX_KEY, index)
  })
}
