// Target upstream: XML stock libvirt (≥ 9.0) accepts with `define --validate`. The UB part lives in ONE
// element of ubmgr's namespace in <metadata>; <qemu:commandline> carries the QEMU objects and devices
// openEuler libvirt would generate for the openeuler form (elements/qemu-ub.ts). Stock QEMU rejects
// these devices at start; openEuler's UB QEMU is needed.
import type {UbVm} from '../../definition/normalize.js'
import {ubQemuArgs} from '../elements/qemu-ub.js'
import {ubmgrMetadata} from '../metadata.js'
import type {TargetParts} from './domain.js'
import {warnPending} from './openeuler.js'

export function upstreamParts(vm: UbVm, warnings: string[]): TargetParts {
  const ub = vm.ub
  if (!ub) return {devices: [], qemuArgs: []}
  warnPending(vm, warnings)
  return {metadata: ubmgrMetadata(vm), devices: [], qemuArgs: ubQemuArgs(ub)}
}
