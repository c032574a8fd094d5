// `ubmgr store check [--repair]` on the embedded backend: the store's own checks (src/store/checker.ts) plus what
// its records must agree on — a shut-off domain holds no guest state, no device or bus-instance lock; a
// running domain holds its bus instance's lock; no host GUID is passed through to two running domains; and
// the pool's reconciliation (pool check). Repair never guesses a running VM's state: when the host and the
// domains disagree, the simulated host is reset (host and ledger moved aside, rebuilt from the fabric on
// next use) and every running domain is marked shut off, which is what a host crash does to real VMs.
import {reconcile, type Ledger} from '../../pool/index.js'
import type {HostState} from '../../sim/host/model.js'
import {moveAside, scanStore, type Finding} from '../../store/checker.js'
import {commitChanges, type Change} from '../../store/journal.js'
import {keyPath} from '../../store/state-store.js'
import {join} from 'node:path'
import {INDEX_KEY, indexOf, indexShape, MANIFEST, manifestShape, mergeShards, SHARD_DIR, shardsOf, type DomainIndex} from './domain-index.js'
import {domainShape, hostShape, ledgerShape, metaShape, type DomainRecord, type EmbeddedStore} from './store.js'

export interface StoreCheckReport {
  dir: string
  domains: number
  running: number
  findings: Finding[]
  /** True when nothing is wrong (after repair: nothing is left wrong). */
  clean: boolean
}

/** index.json: the shards' manifest, or the whole index of a store written before sharding (rebuilt on next write). */
const indexFileShape = (v: unknown) => (manifestShape(v) && indexShape(v) ? 'neither a domain index nor its manifest' : undefined)
const SHAPES = {'domains/': domainShape, host: hostShape, 'pool/ledger': ledgerShape, store: metaShape, [INDEX_KEY]: indexFileShape, [`${SHARD_DIR}/`]: indexShape}

export async function checkStore(store: EmbeddedStore, repair: boolean): Promise<StoreCheckReport> {
  // under the store lock, so a commit in progress elsewhere is not mistaken for damage
  return store.state.locked(() => run(store, repair))
}

async function run(store: EmbeddedStore, repair: boolean): Promise<StoreCheckReport> {
  const {findings, values} = await scanStore(store.state, SHAPES, repair)
  const domains = [...values].filter(([k]) => k.startsWith('domains/')).map(([, v]) => v as DomainRecord)
  const host = values.get('host') as HostState | undefined
  const ledger = values.get('pool/ledger') as Ledger | undefined
  const hostLost = findings.some((f) => f.kind === 'damaged' && (f.subject === 'host' || f.subject === 'pool/ledger'))
  const disagree = heldWhileOff(domains).concat(host ? hostAgreement(host, ledger, domains) : [])
  for (const f of disagree) findings.push(f)
  const reset = repair && (hostLost || disagree.length > 0) && (await resetHost(store, domains, host !== undefined, ledger !== undefined, findings))
  await checkIndex(store, values, domains, reset ? afterReset(domains) : domains, repair, findings)
  // temp files of dead writers are garbage, not damage: reported, and swept by the next command that writes
  const unrepaired = findings.filter((f) => !f.repaired && f.kind !== 'temp')
  return {dir: store.dir, domains: domains.length, running: domains.filter((d) => d.state !== 'shut off').length, findings, clean: unrepaired.length === 0}
}

/** The records as a host reset leaves them: running domains shut off, transient ones gone. */
function afterReset(domains: DomainRecord[]): DomainRecord[] {
  return domains.filter((d) => d.state === 'shut off' || d.persistent).map((d) => ({...d, state: 'shut off', id: null}))
}

/**
 * The index is derived data: its shards must list exactly the records as found (`records`), each in the shard
 * of its uuid; after any repair it is written anew from the records the repair left (`repaired`). A store
 * without the shards' manifest has no index to check (the next write builds it).
 */
async function checkIndex(store: EmbeddedStore, values: Map<string, unknown>, records: DomainRecord[], repaired: DomainRecord[], repair: boolean, findings: Finding[]): Promise<void> {
  const shards = [...values].filter(([k]) => k.startsWith(`${SHARD_DIR}/`))
  let finding = findings.find((f) => f.subject === INDEX_KEY || f.subject.startsWith(`${SHARD_DIR}/`))
  if (!finding && !manifestShape(values.get(INDEX_KEY))) {
    const merged = mergeShards(shards)
    if (!merged || !sameIndex(merged, indexOf(records))) {
      finding = {kind: 'inconsistent', subject: INDEX_KEY, message: `the domain index ${join(store.dir, SHARD_DIR)} disagrees with the domain records`}
      findings.push(finding)
    }
  }
  if (!repair || (!finding && !findings.some((f) => f.repaired))) return
  const rebuilt = shardsOf(indexOf(repaired))
  const changes: Change[] = [...rebuilt].map(([k, shard]) => ({path: keyPath(k), text: JSON.stringify(shard) + '\n'}))
  for (const [k] of shards) if (!rebuilt.has(k)) changes.push({path: keyPath(k), text: null})
  changes.push({path: keyPath(INDEX_KEY), text: JSON.stringify(MANIFEST) + '\n'})
  await commitChanges(store.dir, changes)
  if (finding && !finding.repaired) finding.repaired = 'rebuilt from the domain records'
}

function sameIndex(a: DomainIndex, b: DomainIndex): boolean {
  const names = Object.keys(a.domains)
  if (names.length !== Object.keys(b.domains).length) return false
  return names.every((n) => b.domains[n] !== undefined && JSON.stringify(a.domains[n]) === JSON.stringify(b.domains[n]))
}

function heldWhileOff(domains: DomainRecord[]): Finding[] {
  return domains
    .filter((d) => d.state === 'shut off' && (d.sim !== null || d.id !== null))
    .map((d) => ({kind: 'inconsistent' as const, subject: `domains/${d.name}`, message: `domain '${d.name}' is shut off but keeps guest state or an id`}))
}

function hostAgreement(host: HostState, ledger: Ledger | undefined, domains: DomainRecord[]): Finding[] {
  const out: Finding[] = []
  const add = (subject: string, message: string) => out.push({kind: 'inconsistent', subject, message})
  const running = domains.filter((d) => d.state !== 'shut off')
  const users = new Map<string, string>()
  for (const d of running) {
    const ub = d.live?.ub
    if (!ub) continue
    const guids = [...(ub.devices ?? []).flatMap((x) => (x.host ? [x.host.guid] : [])), ...(ub.fusion ?? []).flatMap((f) => f.members.flatMap((m) => (m.host ? [m.host.guid] : [])))]
    for (const g of guids.map((x) => x.toLowerCase())) {
      const other = users.get(g)
      if (other && other !== d.name) add(`host`, `host device ${g} is passed through to both '${other}' and '${d.name}'`)
      users.set(g, d.name)
    }
    if (guids.length > 0) {
      const bi = host.instances.find((i) => i.guid.toLowerCase() === ub.busInstance.guid.toLowerCase())
      if (bi?.lockedBy !== d.name) add('host', `running domain '${d.name}' does not hold the lock of its bus instance ${ub.busInstance.guid}`)
    }
  }
  const staleLocks = new Set<string>()
  for (const bi of host.instances)
    if (bi.lockedBy && !running.some((d) => d.name === bi.lockedBy)) {
      staleLocks.add(bi.guid)
      add('host', `bus instance ${bi.guid} is locked by '${bi.lockedBy}', which is not running`)
    }
  if (ledger) {
    const views = domains.map((d) => ({name: d.name, running: d.state !== 'shut off', live: d.live}))
    // pool check reports the same stale lock (as a leak of that bus instance): said once, above; every other
    // pool problem is reported, even when it names the same bus instance
    for (const p of reconcile(ledger, host, views).problems)
      if (!(staleLocks.has(p.subject) && p.message.startsWith('locked by '))) add('pool/ledger', `pool ${p.kind}: ${p.subject}: ${p.message}`)
  }
  return out
}

/** Host and ledger aside, every running domain shut off: the state a host crash leaves, which start rebuilds. */
async function resetHost(store: EmbeddedStore, domains: DomainRecord[], hasHost: boolean, hasLedger: boolean, findings: Finding[]): Promise<true> {
  const moved: string[] = []
  if (hasHost) moved.push(await moveAside(store.state, keyPath('host')))
  if (hasLedger) moved.push(await moveAside(store.state, keyPath('pool/ledger')))
  const stopped = domains.filter((d) => d.state !== 'shut off' || d.sim !== null || d.id !== null)
  await commitChanges(
    store.dir,
    stopped.map((d) => ({
      path: keyPath(`domains/${d.name}`),
      text: d.persistent ? JSON.stringify({...d, state: 'shut off', id: null, live: null, sim: null}) + '\n' : null,
    })),
  )
  const what = [
    moved.length > 0 ? `host state moved to ${moved.join(', ')}` : 'host state rebuilt from the fabric',
    stopped.length > 0 ? `domains marked shut off: ${stopped.map((d) => d.name).join(', ')}` : '',
  ].filter(Boolean)
  for (const f of findings) if (!f.repaired) f.repaired = 'the simulated host was reset'
  findings.push({kind: 'inconsistent', subject: 'host', message: 'the simulated host state was lost or disagreed with the domains', repaired: what.join('; ')})
  return true
}
