// What `start`, hot-plug and `destroy` hand to the simulator on the embedded backend. This module keeps
// the host-side facts the lifecycle needs across commands: which VM holds each bus instance (QEMU's ubc
// takes an exclusive flock on /run/libvirt/qemu/ub-bus-instance-<guid>.lock) and which host device each
// running VM uses. The full QEMU-model walk (firmware, topology scan, UMMU, USI) plugs in here.
import type {UbVm} from '../../definition/normalize.js'

export interface PoolState {
  version: 1
  /** bus-instance GUID → VM holding its lock */
  busInstanceLocks: Record<string, string>
  /** host device GUID → VM using it */
  devicesInUse: Record<string, string>
}

export interface SimEvent {
  seq: number
  phase: string
  component: string
  action: string
  detail: string
}

export type HookResult = {ok: true; pool: PoolState; guest: unknown; events: SimEvent[]} | {ok: false; message: string; events: SimEvent[]}

export const emptyPool = (): PoolState => ({version: 1, busInstanceLocks: {}, devicesInUse: {}})

export function hostGuids(vm: UbVm): string[] {
  return [
    ...(vm.ub?.devices ?? []).flatMap((d) => (d.host ? [d.host.guid] : [])),
    ...(vm.ub?.fusion ?? []).flatMap((f) => f.members.flatMap((m) => (m.host ? [m.host.guid] : []))),
  ]
}

export function startVm(vm: UbVm, pool: PoolState): HookResult {
  const events: SimEvent[] = []
  const note = (phase: string, component: string, action: string, detail: string) => events.push({seq: events.length + 1, phase, component, action, detail})
  const next: PoolState = structuredClone(pool)
  if (vm.ub) {
    const bi = vm.ub.busInstance.guid
    const holder = next.busInstanceLocks[bi]
    if (holder && holder !== vm.name)
      return {ok: false, message: `internal error: qemu unexpectedly closed the monitor: ubc: bus instance ${bi} is locked (/run/libvirt/qemu/ub-bus-instance-${bi}.lock), it may used by other vm: ${holder}`, events}
    for (const guid of hostGuids(vm)) {
      const user = next.devicesInUse[guid]
      if (user && user !== vm.name) return {ok: false, message: `Requested operation is not valid: UB device ${guid} is in use by domain ${user}`, events}
    }
    next.busInstanceLocks[bi] = vm.name
    note('qemu realize', 'ubc', 'lock bus instance', `/run/libvirt/qemu/ub-bus-instance-${bi}.lock`)
    for (const guid of hostGuids(vm)) {
      next.devicesInUse[guid] = vm.name
      note('libvirt prepare', 'vfio-ub', 'bind', `${guid} → vfio-ub (driver_override)`)
    }
  }
  note('guest', 'vm', 'running', vm.name)
  return {ok: true, pool: next, guest: {name: vm.name}, events}
}

export function stopVm(vmName: string, pool: PoolState): PoolState {
  const next: PoolState = structuredClone(pool)
  for (const [k, v] of Object.entries(next.busInstanceLocks)) if (v === vmName) delete next.busInstanceLocks[k]
  for (const [k, v] of Object.entries(next.devicesInUse)) if (v === vmName) delete next.devicesInUse[k]
  return next
}

/** Live device changes: claim newly used host devices, release removed ones. */
export function updateDevices(vmName: string, vm: UbVm, pool: PoolState): {ok: true; pool: PoolState} | {ok: false; message: string} {
  const next: PoolState = structuredClone(pool)
  const wanted = new Set(hostGuids(vm))
  for (const guid of wanted) {
    const user = next.devicesInUse[guid]
    if (user && user !== vmName) return {ok: false, message: `error: Requested operation is not valid: UB device ${guid} is in use by domain ${user}`}
  }
  for (const [k, v] of Object.entries(next.devicesInUse)) if (v === vmName && !wanted.has(k)) delete next.devicesInUse[k]
  for (const guid of wanted) next.devicesInUse[guid] = vmName
  return {ok: true, pool: next}
}
