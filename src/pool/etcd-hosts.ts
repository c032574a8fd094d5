// Hosts of a shared (etcd) pool: each joined host is the key <prefix>/hosts/<id>, attached to an etcd lease of TTL
// seconds. Its agent keeps the lease alive (etcd3 sends a keepalive every TTL/3) and rewrites the key's `beat` on
// each one, so whoever sees the key vanish (lease expired) knows how long ago the host was last alive. ubmgr's
// design: UBSE's own cluster protocol (heartbeat 2 s × 3) is not used.
import type {IKeyValue, Lease, Watcher} from 'etcd3'

import {UbmgrError} from '../ground/errors.js'
import type {EtcdLedger} from './etcd-ledger.js'
import type {Card, Ledger, PoolBusInstance} from './ledger.js'
import {describeCommit, type LedgerChange} from './shared.js'

export interface HostRecord {
  host: string
  ttl: number
  lease: string
  joinedAt: number
  /** time (ms) of the last keepalive the host wrote */
  beat: number
}

export function checkHostId(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(id)) throw new UbmgrError(`error: host id '${id}' must be 1-63 letters, digits, '.', '_' or '-'`, 2)
  return id
}

/** pool join: the host's key under a fresh lease; the lease lives TTL seconds unless an agent keeps it alive. */
export async function joinHost(etcd: EtcdLedger, hostId: string, ttl: number): Promise<HostRecord> {
  const lease = etcd.client.lease(ttl, {autoKeepAlive: false})
  lease.on('lost', () => undefined)
  const id = await etcd.bounded(() => lease.grant())
  const now = Date.now()
  const rec: HostRecord = {host: hostId, ttl, lease: id, joinedAt: now, beat: now}
  await etcd.bounded(() => lease.put(etcd.keys.host(hostId)).value(JSON.stringify(rec)).exec())
  await etcd.bounded(() => etcd.client.put(etcd.keys.member(hostId)).value(JSON.stringify({host: hostId, joinedAt: now})).exec())
  return rec
}

/** Hosts that ever joined: only their bus instances are re-homed when they have no lease. */
export async function memberHosts(etcd: EtcdLedger): Promise<Set<string>> {
  const keys = await etcd.bounded(() => etcd.client.getAll().prefix(etcd.keys.members).keys())
  return new Set(keys.map((k) => k.slice(etcd.keys.members.length)))
}

export async function liveHosts(etcd: EtcdLedger): Promise<Map<string, HostRecord>> {
  const res = await etcd.bounded(() => etcd.client.getAll().prefix(etcd.keys.hosts).exec())
  return new Map(res.kvs.map((kv) => [kv.key.toString().slice(etcd.keys.hosts.length), JSON.parse(kv.value.toString()) as HostRecord]))
}

/** The agent's own lease: kept alive, the key's beat rewritten on every keepalive, re-granted if ever lost. */
export class HostLease {
  private lease?: Lease
  private stopped = false
  record?: HostRecord

  constructor(
    private readonly etcd: EtcdLedger,
    readonly hostId: string,
    readonly ttl: number,
    private readonly onEvent: (e: {event: 'lease-lost' | 'lease-granted'; lease: string; detail: string}) => void,
  ) {}

  async start(): Promise<HostRecord> {
    const previous = (await liveHosts(this.etcd)).get(this.hostId)
    const lease = this.etcd.client.lease(this.ttl)
    this.lease = lease
    const id = await this.etcd.bounded(() => lease.grant())
    const now = Date.now()
    this.record = {host: this.hostId, ttl: this.ttl, lease: id, joinedAt: previous?.joinedAt ?? now, beat: now}
    await this.put()
    await this.etcd.bounded(() => this.etcd.client.put(this.etcd.keys.member(this.hostId)).value(JSON.stringify({host: this.hostId, joinedAt: this.record!.joinedAt})).exec())
    // the key is under our lease now: the one `pool join` made may go
    if (previous && previous.lease !== id) await this.etcd.client.leaseClient.leaseRevoke({ID: previous.lease}).catch(() => undefined)
    lease.on('keepaliveSucceeded', () => {
      if (this.stopped || !this.record) return
      this.record.beat = Date.now()
      this.put().catch(() => undefined)
    })
    lease.on('lost', (err) => {
      if (this.stopped) return
      this.onEvent({event: 'lease-lost', lease: id, detail: String(err?.message ?? err)})
      // a partition longer than the TTL: our slices may have been re-homed; join again as a new lease
      setTimeout(() => {
        if (!this.stopped) this.start().then((r) => this.onEvent({event: 'lease-granted', lease: r.lease, detail: 'joined again'}), () => undefined)
      }, 500)
    })
    this.onEvent({event: 'lease-granted', lease: id, detail: `ttl ${this.ttl} s`})
    return this.record
  }

  private async put(): Promise<void> {
    await this.lease!.put(this.etcd.keys.host(this.hostId)).value(JSON.stringify(this.record)).exec()
  }

  /** Leave: revoke the lease (the key goes at once, the others see the host leave, not fail). */
  async stop(revoke: boolean): Promise<void> {
    this.stopped = true
    if (!this.lease) return
    if (revoke) await this.lease.revoke().catch(() => undefined)
    else this.lease.release()
  }
}

/** Watch the hosts' keys: a deletion is a host whose lease expired (or that left). */
export async function watchHosts(etcd: EtcdLedger, onLost: (hostId: string, last: HostRecord | undefined) => void): Promise<Watcher> {
  const w = await etcd.client.watch().prefix(etcd.keys.hosts).withPreviousKV().create()
  w.on('delete', (kv: IKeyValue, prev?: IKeyValue) => {
    const id = kv.key.toString().slice(etcd.keys.hosts.length)
    let last: HostRecord | undefined
    try {
      last = prev ? (JSON.parse(prev.value.toString()) as HostRecord) : undefined
    } catch {
      last = undefined
    }
    onLost(id, last)
  })
  return w
}

/** Stream the ledger's changes, one LedgerChange per slice change, grouped by the commit (etcd revision). */
export async function watchLedger(etcd: EtcdLedger, onChange: (c: LedgerChange) => void, onError: (e: Error) => void, onLink?: (up: boolean, detail: string) => void): Promise<Watcher> {
  const w = await etcd.client.watch().prefix(etcd.keys.ledger).withPreviousKV().create()
  w.on('data', (res) => {
    const byRev = new Map<string, {cards: Array<{before?: Card; after?: Card}>; bis: {before: PoolBusInstance[]; after: PoolBusInstance[]}}>()
    for (const ev of res.events) {
      const rev = ev.kv.mod_revision
      let g = byRev.get(rev)
      if (!g) byRev.set(rev, (g = {cards: [], bis: {before: [], after: []}}))
      const key = ev.kv.key.toString()
      const parse = <T>(kv?: IKeyValue | null): T | undefined => (kv && kv.value.length ? (JSON.parse(kv.value.toString()) as T) : undefined)
      if (key === etcd.keys.meta) {
        g.bis.before = parse<Pick<Ledger, 'busInstances'>>(ev.prev_kv)?.busInstances ?? []
        g.bis.after = ev.type === 'Delete' ? [] : (parse<Pick<Ledger, 'busInstances'>>(ev.kv)?.busInstances ?? [])
      } else if (key.startsWith(etcd.keys.cards)) g.cards.push({before: parse<Card>(ev.prev_kv), after: ev.type === 'Delete' ? undefined : parse<Card>(ev.kv)})
    }
    for (const [rev, g] of byRev) for (const c of describeCommit(rev, g.cards, g.bis)) onChange(c)
  })
  w.on('error', onError)
  // etcd3 reconnects a lost watch stream by itself and resumes from the last revision seen: say so, do not end
  let down = false
  w.on('disconnected', (e) => {
    if (!down) onLink?.(false, String(e?.message ?? e).split('\n')[0])
    down = true
  })
  w.on('connected', () => {
    if (down) onLink?.(true, 'resumed')
    down = false
  })
  return w
}
