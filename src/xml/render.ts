// renderDomain: one normalized VM → libvirt domain XML in one of three targets. Deterministic.
import {libvirtGuidProblem} from '../definition/guid.js'
import type {UbVm} from '../definition/normalize.js'
import {TARGETS, type Target} from '../definition/targets.js'
import {UbmgrError} from '../ground/errors.js'
import {serialize} from './serialize.js'
import {assembleDomain, type TargetParts} from './targets/domain.js'
import {openeulerParts} from './targets/openeuler.js'
import {ubmgrParts} from './targets/ubmgr.js'
import {upstreamParts} from './targets/upstream.js'

export {TARGETS}
export type RenderTarget = Target

export function targetParts(vm: UbVm, target: RenderTarget, warnings: string[] = []): TargetParts {
  if (target === 'openeuler') return openeulerParts(vm, warnings)
  if (target === 'upstream') return upstreamParts(vm, warnings)
  return ubmgrParts(vm)
}

export function renderDomain(vm: UbVm, target: RenderTarget): {xml: string; warnings: string[]} {
  if (target === 'openeuler') refuseOpenEulerGuids(vm)
  const warnings: string[] = []
  const xml = serialize(assembleDomain(vm, targetParts(vm, target, warnings)))
  return {xml, warnings}
}

/**
 * validate/render --target openeuler report these at the GUID's position (rules/targets.ts); this
 * guards every path without a definition file (dumpxml, define from XML).
 */
function refuseOpenEulerGuids(vm: UbVm): void {
  const ub = vm.ub
  if (!ub) return
  const guids = [ub.busInstance.guid, ub.controller.guid, ...ub.devices.flatMap((d) => [d.host?.guid, d.guestGuid]), ...ub.fusion.map((f) => f.guid)]
  const lines = [...new Set(guids)].flatMap((g) => {
    const why = g === undefined ? undefined : libvirtGuidProblem(g)
    return why ? [`error: GUID ${g}: ${why}`] : []
  })
  if (lines.length > 0) throw new UbmgrError([...lines, 'error: openEuler libvirt would refuse this domain (virsh define --validate); use another target'])
}
