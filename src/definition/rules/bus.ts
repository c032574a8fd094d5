// Bus instance and UMMU rules (kernel drivers/ub/ubus/instance.c, QEMU hw/vfio/ub.c, hw/ub/ub_ummu.c).
import {toInt} from '../units.js'
import {list, obj, type RuleProblem, str} from './problem.js'

/** Firmware local EID range in the VM and on the host: LOCAL_EID_START..END. */
const LOCAL_EID_END = 65535

export function busRules(def: Record<string, unknown>): RuleProblem[] {
  const out: RuleProblem[] = []
  const ub = obj(def.ub)
  if (!ub) return out
  const bi = obj(ub.busInstance) ?? {}
  const type = str(bi.type) ?? 'dynamic-server'
  const eid = toInt(bi.eid as number | string | undefined)
  const upi = toInt(bi.upi as number | string | undefined)
  const passthrough =
    list(ub.devices).length > 0 || list(ub.fusion).some((f) => f.transport === 'ub')
  if (type.startsWith('static') && passthrough)
    out.push({
      pointer: '/ub/busInstance/type',
      rule: 'bi-dynamic',
      message: `passthrough needs a dynamic bus instance, not ${type} (QEMU: "ub device(...) not bind to dynamic bus instance")`,
      hint: 'use dynamic-server, or dynamic-cluster on a cluster super-node',
    })
  if (type.endsWith('cluster')) {
    if (!eid) out.push({pointer: '/ub/busInstance', rule: 'bi-cluster', message: 'a cluster bus instance needs a non-zero eid'})
    if (!upi) out.push({pointer: bi.upi === undefined ? '/ub/busInstance' : '/ub/busInstance/upi', rule: 'bi-cluster', message: 'a cluster bus instance needs a non-zero upi'})
  } else if (eid !== undefined && eid >= 1 && eid <= LOCAL_EID_END) {
    out.push({
      pointer: '/ub/busInstance/eid',
      rule: 'bi-eid',
      message: `a server bus instance EID must not lie in the local EID range 1..0xffff (got 0x${eid.toString(16)})`,
    })
  }
  if (upi !== undefined && upi > 0x7fff) out.push({pointer: '/ub/busInstance/upi', rule: 'bi-upi', message: `UPI is 15 bits: 0..0x7fff (got 0x${upi.toString(16)})`})
  if (eid !== undefined && eid > 0xfffff) out.push({pointer: '/ub/busInstance/eid', rule: 'eid-range', message: `EID is out of range 1..0xfffff`})

  const ummu = obj(ub.ummu) ?? {}
  if ((ummu.nested ?? true) === true && ummu.iommufd === false)
    out.push({
      pointer: '/ub/ummu/iommufd',
      rule: 'ummu-iommufd',
      message: 'iommufd is require for nested ummu.',
      hint: 'QEMU ub-ummu nested mode needs an iommufd backend: set iommufd: true or nested: false',
    })
  return out
}
