// What `start`, live device changes and `destroy` hand to the simulator on the embedded backend: the
// QEMU-model walk (src/sim/vm) over the simulated host, whose state persists in the store's host.json.
// The host comes from $UBMGR_SIM_HOST (a fabric file, or sysfs:PATH for a /sys/bus/ub tree) when the store is
// first used, else the bundled one.
import type {UbVm} from '../../definition/normalize.js'
import {UbmgrError} from '../../ground/errors.js'
import {loadHost} from '../../sim/host/index.js'
import type {HostState} from '../../sim/host/model.js'
import {bootVm, changeFusionMembers, hotplugDevice, teardownVm, unplugDevice, type GuestState, type TraceEvent} from '../../sim/vm/index.js'

export type HookResult = {ok: true; host: HostState; guest: GuestState; events: TraceEvent[]} | {ok: false; message: string; events: TraceEvent[]}

export async function initialHost(): Promise<HostState> {
  return loadHost(process.env.UBMGR_SIM_HOST)
}

export function startVm(vm: UbVm, host: HostState, poolSteps: Array<{step: string; detail: string}> = []): HookResult {
  const r = bootVm(vm, host, {poolSteps})
  return r.ok ? r : {ok: false, message: `${r.error.component}: ${r.error.message}`, events: r.events}
}

export function stopVm(guest: GuestState | null, host: HostState): HostState {
  return guest ? teardownVm(guest, host).host : host
}

/** Live change of a running VM: hot-plug UB devices that appeared, unplug the ones that went. */
export function changeLive(before: UbVm, after: UbVm, guest: GuestState, host: HostState): {host: HostState; guest: GuestState; events: TraceEvent[]} {
  const had = new Set((before.ub?.devices ?? []).map((d) => d.name))
  const has = new Set((after.ub?.devices ?? []).map((d) => d.name))
  let state = {host, guest, events: [] as TraceEvent[]}
  for (const name of had)
    if (!has.has(name)) {
      const r = unplugDevice(state.guest, state.host, name)
      if (!r.ok) throw new UbmgrError(`error: ${r.error.component}: ${r.error.message}`)
      state = {host: r.host, guest: r.guest, events: [...state.events, ...r.events]}
    }
  for (const name of has)
    if (!had.has(name)) {
      const r = hotplugDevice(state.guest, state.host, after, name)
      if (!r.ok) throw new UbmgrError([`error: Failed to attach device`, `error: ${r.error.component}: ${r.error.message}`])
      state = {host: r.host, guest: r.guest, events: [...state.events, ...r.events]}
    }
  const change = fusionMemberChange(before, after)
  if (change.added.length + change.removed.length > 0) {
    const r = changeFusionMembers(state.guest, state.host, after, change)
    if (!r.ok) throw new UbmgrError([`error: Failed to ${change.added.length > 0 ? 'attach' : 'detach'} device`, `error: ${r.error.component}: ${r.error.message}`])
    state = {host: r.host, guest: r.guest, events: [...state.events, ...r.events]}
  }
  return state
}

/** Members (by host GUID) that appeared in or left a fusion device both definitions have. */
function fusionMemberChange(before: UbVm, after: UbVm) {
  const guids = (vm: UbVm, name: string) => new Set((vm.ub?.fusion.find((f) => f.name === name)?.members ?? []).flatMap((m) => (m.host ? [m.host.guid] : [])))
  const names = (vm: UbVm) => new Set((vm.ub?.fusion ?? []).map((f) => f.name))
  const was = names(before)
  const is = names(after)
  for (const n of is)
    if (!was.has(n)) throw new UbmgrError(`error: Operation not supported: live attach of a whole fusion device (${n}) is not modelled; attach its members live, or the device with --config`)
  for (const n of was)
    if (!is.has(n)) throw new UbmgrError(`error: Operation not supported: live detach of a whole fusion device (${n}) is not modelled; detach it with --config`)
  const added: Array<{device: string; guid: string}> = []
  const removed: Array<{device: string; guid: string}> = []
  for (const n of is) {
    const a = guids(before, n)
    const b = guids(after, n)
    for (const g of b) if (!a.has(g)) added.push({device: n, guid: g})
    for (const g of a) if (!b.has(g)) removed.push({device: n, guid: g})
  }
  return {added, removed}
}
