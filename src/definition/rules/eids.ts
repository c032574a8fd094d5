// EID rules: 20-bit, 1..0xFFFFF (QEMU UB_SUPPORT_MIN_EID/MAX_EID), unique on the VM's bus.
import {toInt} from '../units.js'
import {list, obj, type RuleProblem} from './problem.js'

const MAX_EID = 0xfffff

export function eidRules(def: Record<string, unknown>): RuleProblem[] {
  const out: RuleProblem[] = []
  const ub = obj(def.ub)
  if (!ub) return out
  const holders = new Map<number, string>()
  const use = (raw: unknown, pointer: string, fallback?: number) => {
    if (raw === 'auto') return
    const eid = raw === undefined ? fallback : toInt(raw as number | string)
    if (eid === undefined) return
    if (eid < 1 || eid > MAX_EID) {
      out.push({pointer, rule: 'eid-range', message: `EID ${raw} is out of range 1..0xfffff`})
      return
    }
    const other = holders.get(eid)
    if (other) out.push({pointer, rule: 'eid-unique', message: `EID 0x${eid.toString(16)} is already used by ${other}`, hint: 'EIDs are unique on a UB bus; use eid: auto'})
    else holders.set(eid, pointer === '/ub/controller/eid' ? 'the bus controller' : pointer)
  }
  const ctrl = obj(ub.controller)
  use(ctrl?.eid, '/ub/controller/eid', 1)
  list(ub.devices).forEach((d, i) => use(d.eid, `/ub/devices/${i}/eid`))
  list(ub.fusion).forEach((f, i) => use(f.eid, `/ub/fusion/${i}/eid`))
  return out
}
