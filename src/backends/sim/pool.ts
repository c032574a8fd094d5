// The pool (src/pool) on the embedded backend: the ledger is the store key pool/ledger, read and written in the
// same transaction as the domain records and the host, so every verb commits pool + domain + host at once. Here:
// allocation before the boot walk and on live attach, release after teardown and live detach, and the guest side
// of re-homing (hot-unplug of the old slice's device, hot-plug of the new one) after rebalance or failover.
import {normalize} from '../../definition/normalize.js'
import type {UbVmDefinition} from '../../definition/types.js'
import {UbmgrError} from '../../ground/errors.js'
import {
  allocForDomain,
  findSlice,
  freeForDomain,
  ledgerFromHost,
  PoolError,
  rehomeDefinition,
  resolveDefinition,
  StoreLedgerTx,
  type Ledger,
  type Move,
  type PoolEvent,
  type PoolOutcome,
} from '../../pool/index.js'
import type {HostState} from '../../sim/host/model.js'
import {hotplugDevice, unplugDevice, type GuestState, type TraceEvent} from '../../sim/vm/index.js'
import type {DomainRecord, EmbeddedTx} from './store.js'

/** The ledger of this store, built from the host (ENTITY_REG of every pooled entity) on first use. */
export async function readLedger(tx: EmbeddedTx, host: HostState): Promise<Ledger> {
  return (await new StoreLedgerTx(tx.tx).read()) ?? ledgerFromHost(host).ledger
}

export function writeLedger(tx: EmbeddedTx, ledger: Ledger): void {
  new StoreLedgerTx(tx.tx).write(ledger)
}

/** A pool refusal as the verb's error: virsh's first line, the pool's reason, then what is free. */
export function poolFailure(first: string, error: PoolError): UbmgrError {
  return new UbmgrError([first, `error: UBPRM: ${error.message}`, ...error.hints.map((h) => `hint: ${h}`)])
}

function unwrap<T>(outcome: PoolOutcome<T> | undefined, first: string): (PoolOutcome<T> & {ok: true}) | undefined {
  if (outcome && !outcome.ok) throw poolFailure(first, outcome.error)
  return outcome as (PoolOutcome<T> & {ok: true}) | undefined
}

/** Start: the domain's pool requests allocated; the running definition names the GUIDs they got. */
export function allocateForStart(definition: UbVmDefinition, ledger: Ledger, host: HostState): {live: UbVmDefinition; ledger: Ledger; host: HostState; steps: PoolEvent[]} {
  const a = unwrap(allocForDomain(ledger, host, normalize(definition)), `error: Failed to start domain '${definition.name}'`)
  if (!a) return {live: definition, ledger, host, steps: []}
  return {live: resolveDefinition(definition, a.result.devices), ledger: a.ledger, host: a.host, steps: a.events}
}

/** Attach --live: only the new devices' requests, into the running domain's bus instance. */
export function allocateForAttach(live: UbVmDefinition, names: Set<string>, ledger: Ledger, host: HostState): {live: UbVmDefinition; ledger: Ledger; host: HostState} {
  const a = unwrap(allocForDomain(ledger, host, normalize(live), names), 'error: Failed to attach device')
  if (!a) return {live, ledger, host}
  return {live: resolveDefinition(live, a.result.devices), ledger: a.ledger, host: a.host}
}

/** Destroy, or detach --live of one device: what the domain holds goes back to the pool. */
export function releaseFor(name: string, ledger: Ledger, host: HostState, device?: string, busInstance?: string): {ledger: Ledger; host: HostState} {
  const f = unwrap(freeForDomain(ledger, host, name, device, busInstance), `error: Failed to release pooled devices of '${name}'`)
  return f ? {ledger: f.ledger, host: f.host} : {ledger, host}
}

export interface Rehomed {
  vm: string
  device: string
  from: string
  to: string
  /** simulated µs the guest side took (hot-unplug + hot-plug) */
  us: number
  events: TraceEvent[]
}

/**
 * The guest side of moves the pool already made on the host (the new entity registered into the domain's bus
 * instance, the old one released): each moved UB device of a running domain is hot-unplugged and hot-plugged
 * with its new GUID; a fusion member only changes GUID (the walk does not model fusion devices). The records of
 * changed domains are returned for the caller to write.
 */
export function rehomeGuests(moves: Move[], host: HostState, domains: Map<string, DomainRecord>): {host: HostState; rehomed: Rehomed[]} {
  const rehomed: Rehomed[] = []
  let h = host
  for (const m of moves) {
    const o = m.owner
    const r = o.vm ? domains.get(o.vm) : undefined
    if (!o.vm || !o.device || !r?.live) continue
    const live = rehomeDefinition(r.live, o.device, o.member, m.toGuid, m.toCard)
    let guest = r.sim as GuestState
    let events: TraceEvent[] = []
    const t0 = guest.t_us
    if (o.member === undefined && guest.devices.some((d) => d.name === o.device)) {
      const out = unplugDevice(guest, h, o.device)
      if (!out.ok) throw new UbmgrError(`error: re-homing ${o.vm}/${o.device}: ${out.error.component}: ${out.error.message}`)
      const back = hotplugDevice(out.guest, out.host, normalize(live), o.device)
      if (!back.ok) throw new UbmgrError(`error: re-homing ${o.vm}/${o.device}: ${back.error.component}: ${back.error.message}`)
      h = back.host
      guest = back.guest
      events = [...out.events, ...back.events]
    }
    domains.set(o.vm, {...r, live, sim: guest})
    rehomed.push({vm: o.vm, device: o.device + (o.member !== undefined ? `[${o.member}]` : ''), from: m.fromGuid, to: m.toGuid, us: guest.t_us - t0, events})
  }
  return {host: h, rehomed}
}

/** Every running domain a move touches follows it in its guest (rehomeGuests); its record and the host are written. */
export async function rehomeRunning(tx: EmbeddedTx, moves: Move[], host: HostState): Promise<Rehomed[]> {
  const domains = new Map<string, DomainRecord>()
  for (const m of moves)
    if (m.owner.vm && !domains.has(m.owner.vm)) {
      const r = await tx.readDomain(m.owner.vm)
      if (r && r.state !== 'shut off') domains.set(r.name, r)
    }
  const out = rehomeGuests(moves, host, domains)
  for (const r of domains.values()) tx.writeDomain(r)
  tx.writeHost(out.host)
  return out.rehomed
}

/** Domains re-home in parallel; each one's devices one after the other: the time of the slowest domain. */
export function slowestDomain(rehomed: Rehomed[]): number {
  const perVm = new Map<string, number>()
  for (const r of rehomed) perVm.set(r.vm, (perVm.get(r.vm) ?? 0) + r.us)
  let us = 0
  for (const v of perVm.values()) us = Math.max(us, v)
  return us
}

/** A pool operation whose refusal (PoolError) becomes the verb's error, `first` its first line. */
export function poolStep<T>(first: string, fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof PoolError) throw poolFailure(first, error)
    throw error
  }
}

/** pool set-load: measured loads (Mbit/s) put on held slices of a copy of the ledger. */
export function withLoads(ledger: Ledger, loads: Array<{slice: string; mbps: number}>): {ledger: Ledger; set: Array<{slice: string; mbps: number}>} {
  const next = structuredClone(ledger)
  const set = loads.map(({slice, mbps}) => {
    let found
    try {
      found = findSlice(next, slice)
    } catch (error) {
      if (error instanceof PoolError) throw new UbmgrError(`error: ${error.message}`)
      throw error
    }
    if (!found.slice.owner) throw new UbmgrError(`error: slice ${found.slice.id} is not held: only held slices carry a load`)
    found.slice.loadMbps = mbps
    found.card.revision++
    return {slice: found.slice.id, mbps}
  })
  next.revision++
  return {ledger: next, set}
}
