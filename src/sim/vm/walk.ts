// The boot walk of a UB VM, in the real stack's order: libvirt prepare (virub.ts), QEMU realize of the bus
// controller and each vfio-ub device (bus-controller.ts, vfio-ub.ts), fusion devices through FusionD and
// vfio_fusiond (fusion.ts, models in src/fusion), firmware (firmware.ts), then the guest (guest-ubus.ts):
// ubfi, UMMU, msgq, topology scan and device setup, and the virtio driver on each fusion device. Each failure the real stack has
// stops the walk with that stack's message; the host state is only changed when the whole walk succeeds.
import type {UbVm} from '../../definition/normalize.js'
import {HostError} from '../host/errors.js'
import type {HostState} from '../host/model.js'
import {realizeBus} from './bus-controller.js'
import {reportFirmware} from './firmware.js'
import {prepareFusion, probeFusionInGuest, realizeFusion} from './fusion.js'
import {emptyGuest, type GuestState, WalkError} from './guest.js'
import {guestBoot, setupInGuest} from './guest-ubus.js'
import {Trace, type TraceEvent} from './trace.js'
import {realizeDevice} from './vfio-ub.js'
import {placeDevices, type PoolStep} from './virub.js'

export type {GuestDevice, GuestState} from './guest.js'
export {WalkError} from './guest.js'

export type WalkFailure = {ok: false; error: {phase: string; component: string; message: string}; events: TraceEvent[]}
export type BootResult = {ok: true; host: HostState; guest: GuestState; events: TraceEvent[]} | WalkFailure

export function bootVm(vm: UbVm, hostIn: HostState, opts: {seed?: number; poolSteps?: PoolStep[]} = {}): BootResult {
  const seed = opts.seed ?? 1
  const trace = new Trace(0, seed)
  const host: HostState = structuredClone(hostIn)
  const guest = emptyGuest(vm, seed, trace)
  try {
    if (!vm.ub) {
      trace.emit('guest', 'vm', 'ready', `${vm.name}: no UB devices`, 'realize')
      return {ok: true, host, guest, events: trace.events}
    }
    const devices = placeDevices(vm, host, guest, trace, opts.poolSteps ?? [])
    const fusion = prepareFusion(vm, host, trace)
    realizeBus(vm, host, guest, trace)
    for (const {device, originalDriver} of devices) realizeDevice(device, vm, host, guest, trace, originalDriver)
    realizeFusion(fusion, guest, trace)
    reportFirmware(guest, trace)
    guestBoot(guest, trace)
    for (const d of guest.devices) setupInGuest(d, guest, trace, 'guest config')
    probeFusionInGuest(guest, trace, 'guest config')
    guest.t_us = trace.t_us
    return {ok: true, host, guest, events: trace.events}
  } catch (error) {
    return failure(error, trace)
  }
}

export function failure(error: unknown, trace: Trace): WalkFailure {
  if (error instanceof WalkError) {
    trace.emit(error.phase, error.component, 'error', error.message, 'mmio')
    return {ok: false, error: {phase: error.phase, component: error.component, message: error.message}, events: trace.events}
  }
  if (error instanceof HostError) {
    trace.emit('libvirt prepare', 'host', 'error', error.text, 'mmio')
    return {ok: false, error: {phase: 'libvirt prepare', component: 'host', message: error.text}, events: trace.events}
  }
  throw error
}
