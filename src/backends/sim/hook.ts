// What `start`, live device changes and `destroy` hand to the simulator on the embedded backend: the
// QEMU-model walk (src/sim/vm) over the simulated host, whose state persists in the store's host.json.
// The host comes from $UBMGR_SIM_HOST (a fabric file, or sysfs:PATH for a /sys/bus/ub tree) when the store is
// first used, else the bundled one.
import type {UbVm} from '../../definition/normalize.js'
import {UbmgrError} from '../../ground/errors.js'
import {loadHost} from '../../sim/host/index.js'
import type {HostState} from '../../sim/host/model.js'
import {bootVm, hotplugDevice, teardownVm, unplugDevice, type GuestState, type TraceEvent} from '../../sim/vm/index.js'

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
  return state
}
