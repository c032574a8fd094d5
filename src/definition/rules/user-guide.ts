// Limits from openEuler's user guide for UB passthrough ("虚拟机UB设备直通使用说明"): one UB controller
// and at most 16 UB passthrough devices per VM, and hugepage-backed guest memory. They are warnings:
// the guide states them, no source code enforces them, and the ubmgr target still renders more.
import {list, obj, type RuleProblem} from './problem.js'

export const GUIDE_MAX_UB_PASSTHROUGH = 16
const GUIDE = "openEuler's UB passthrough user guide (虚拟机UB设备直通使用说明)"

/** Pointers of the devices a VM passes through with vfio-ub: UB devices (pool requests included) and UB-transport fusion devices. */
export function ubPassthroughPointers(def: Record<string, unknown>): string[] {
  const ub = obj(def.ub)
  return [
    ...list(ub?.devices).map((_, i) => `/ub/devices/${i}`),
    ...list(ub?.fusion).flatMap((f, i) => (f.transport === 'ub' ? [`/ub/fusion/${i}`] : [])),
  ]
}

/** hugepages: true, or hugepages inside a <memoryBacking> kept verbatim from an import. */
export function hasHugepages(def: Record<string, unknown>): boolean {
  const kept = obj(def.libvirt)?.domain
  return def.hugepages === true || (Array.isArray(kept) && kept.some((x) => typeof x === 'string' && /^\s*<memoryBacking\b[\s\S]*<hugepages\b/.test(x)))
}

export function userGuideRules(def: Record<string, unknown>): RuleProblem[] {
  const out: RuleProblem[] = []
  const passthrough = ubPassthroughPointers(def)
  if (passthrough.length > GUIDE_MAX_UB_PASSTHROUGH)
    out.push({
      pointer: passthrough[GUIDE_MAX_UB_PASSTHROUGH],
      rule: 'guide-ub-count',
      severity: 'warning',
      message: `${passthrough.length} UB passthrough devices; ${GUIDE} supports at most ${GUIDE_MAX_UB_PASSTHROUGH} per VM`,
      hint: 'ubmgr renders them all; openEuler may not support the VM',
    })
  if (passthrough.length > 0 && !hasHugepages(def))
    out.push({
      pointer: '/memory',
      rule: 'guide-hugepages',
      severity: 'warning',
      message: `a VM with UB passthrough devices needs hugepage-backed memory, which ${GUIDE} requires`,
      hint: 'add hugepages: true (libvirt <memoryBacking><hugepages/></memoryBacking>) and reserve hugepages on the host',
    })
  return out
}
