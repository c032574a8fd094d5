// A domain's pool requests: what start and attach-device ask the pool for, and the definition with the GUIDs the
// pool gave (what a running domain's XML shows). UB devices with `pool:` become one request each; fusion members
// with `pool:` become requests of one group (members of a fusion device never share a card); `antiAffinity`
// groups likewise. The running definition keeps nothing of the request: the ledger says which slices it holds.
import {sameExceptSeq} from '../definition/guid.js'
import type {NormalPoolRequest, UbVm} from '../definition/normalize.js'
import type {UbVmDefinition} from '../definition/types.js'
import {bandwidthToMbps} from '../definition/units.js'
import {alloc, free, type AllocatedDevice, type AllocResult, type FreeResult, type PoolOutcome} from './alloc.js'
import type {Ledger} from './ledger.js'
import type {PoolRequest} from './placement.js'
import type {HostState} from '../sim/host/model.js'

/** A pool request as the placement takes it. */
export function requestOf(name: string, p: NormalPoolRequest, group?: string): PoolRequest {
  return {
    name,
    class: p.class,
    need: {bandwidthMbps: p.bandwidth ? (bandwidthToMbps(p.bandwidth) ?? 0) : 0, queues: p.queues ?? 0, compute: 0},
    ...(p.vendor !== undefined ? {vendor: p.vendor} : {}),
    ...(group ? {group} : p.antiAffinity ? {group: `antiAffinity:${p.antiAffinity}`} : {}),
  }
}

/** The pool requests of a domain, optionally only those of the named devices. */
export function requestsOf(vm: UbVm, only?: Set<string>): Array<PoolRequest & {member?: number}> {
  const out: Array<PoolRequest & {member?: number}> = []
  for (const d of vm.ub?.devices ?? []) if (d.pool && (!only || only.has(d.name))) out.push(requestOf(d.name, d.pool))
  for (const f of vm.ub?.fusion ?? [])
    if (!only || only.has(f.name)) f.members.forEach((m, i) => m.pool && out.push({...requestOf(f.name, m.pool, `fusion:${f.name}`), member: i}))
  return out
}

/** Allocate a domain's pool requests into its bus instance (all of them, or those of the named devices). */
export function allocForDomain(ledger: Ledger, host: HostState, vm: UbVm, only?: Set<string>): PoolOutcome<AllocResult> | undefined {
  const requests = requestsOf(vm, only)
  if (requests.length === 0 || !vm.ub) return undefined
  const w = vm.ub.ubmemVmmu
  return alloc(ledger, host, {
    busInstanceGuid: vm.ub.busInstance.guid,
    ...(vm.ub.busInstance.upi !== undefined ? {upi: vm.ub.busInstance.upi} : {}),
    requests,
    vm: vm.name,
    ...(w ? {window: {tid: w.tid, uba: w.uba, size: w.size}} : {}),
  })
}

/** Free what a domain holds: all of it (destroy), or one device's slices (detach). */
/**
 * `busInstance`: only what the VM holds in that bus instance — on a ledger shared by several hosts, a VM of the
 * same name on another host holds its own slices in its own bus instance.
 */
export function freeForDomain(ledger: Ledger, host: HostState, vmName: string, device?: string, busInstance?: string): PoolOutcome<FreeResult> | undefined {
  const bis = new Set<string>()
  const inScope = (bi: string) => busInstance === undefined || bi === busInstance.toLowerCase()
  for (const card of ledger.cards)
    for (const s of card.slices) if (s.owner?.vm === vmName && (device === undefined || s.owner.device === device) && inScope(s.owner.busInstance)) bis.add(s.owner.busInstance)
  let outcome: PoolOutcome<FreeResult> | undefined
  for (const bi of bis) {
    outcome = free(outcome?.ledger ?? ledger, outcome?.host ?? host, {busInstanceGuid: bi, vm: vmName, ...(device !== undefined ? {device} : {})})
    if (!outcome.ok) return outcome
  }
  return outcome
}

/** The definition with each allocated request replaced by the host GUID it got. */
export function resolveDefinition(def: UbVmDefinition, devices: AllocatedDevice[]): UbVmDefinition {
  const next = structuredClone(def)
  for (const d of devices) {
    if (d.member === undefined) {
      const dev = next.ub?.devices?.find((x) => x.name === d.name)
      if (dev) {
        delete dev.pool
        dev.host = {guid: d.guid}
      }
      continue
    }
    const m = next.ub?.fusion?.find((f) => f.name === d.name)?.members[d.member]
    if (m) {
      delete m.pool
      m.host = {guid: d.guid}
      m.card = d.card
    }
  }
  return next
}

/** Replace the host GUID of a running domain's device (a slice moved to another card). */
export function rehomeDefinition(def: UbVmDefinition, device: string, member: number | undefined, guid: string, card: string): UbVmDefinition {
  const next = structuredClone(def)
  if (member === undefined) {
    const dev = next.ub?.devices?.find((x) => x.name === device)
    if (dev) {
      dev.host = {guid}
      // the guest keeps seeing its GUID when only seq_num differs (QEMU vfio_check_guid)
      if (dev.guestGuid && !sameExceptSeq(dev.guestGuid, guid)) delete dev.guestGuid
    }
  } else {
    const m = next.ub?.fusion?.find((f) => f.name === device)?.members[member]
    if (m) {
      m.host = {guid}
      m.card = card
    }
  }
  return next
}
