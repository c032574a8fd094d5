// GUID rules of the real stack (ub-stack.md §1, §4.2, §6.2): the GUID type field says what an entity is.
import {parseGuid, sameExceptSeq, UbGuidType} from '../guid.js'
import {list, obj, type RuleProblem, str} from './problem.js'

const TYPE_NAMES = ['bus instance', 'controller/device', 'icontroller/idevice', 'switch', 'iswitch']
const typeName = (t: number) => `${t} (${TYPE_NAMES[t] ?? 'reserved'})`

export function guidRules(def: Record<string, unknown>): RuleProblem[] {
  const out: RuleProblem[] = []
  const ub = obj(def.ub)
  if (!ub) return out
  const bi = str(obj(ub.busInstance)?.guid)
  const biType = bi ? parseGuid(bi)?.type : undefined
  if (biType !== undefined && biType !== UbGuidType.BUS_INSTANCE)
    out.push({
      pointer: '/ub/busInstance/guid',
      rule: 'guid-type',
      message: `a bus instance GUID must have type 0 (UB_TYPE_BUS_INSTANCE), this one has type ${typeName(biType)}`,
      hint: 'the 4th field of the GUID is its type',
    })
  const ctrl = str(obj(ub.controller)?.guid)
  const ctrlType = ctrl ? parseGuid(ctrl)?.type : undefined
  if (ctrlType !== undefined && ctrlType !== UbGuidType.ICONTROLLER)
    out.push({
      pointer: '/ub/controller/guid',
      rule: 'guid-type',
      message: `the bus controller (QEMU ubc) GUID must have type 2 (IBUS_CONTROLLER), this one has type ${typeName(ctrlType)}`,
      hint: 'leave controller.guid out to use the bus instance GUID with its type set to 2',
    })

  const hostGuids = new Map<string, string>()
  const claim = (guid: string | undefined, pointer: string, what: string) => {
    if (!guid) return
    const type = parseGuid(guid)?.type
    if (type !== undefined && type !== UbGuidType.CONTROLLER && type !== UbGuidType.ICONTROLLER)
      out.push({
        pointer,
        rule: 'guid-type',
        message: `${what} GUID must have type 1 (device) or 2 (idevice), this one has type ${typeName(type)}`,
      })
    const key = guid.toLowerCase()
    const earlier = hostGuids.get(key)
    if (earlier) out.push({pointer, rule: 'guid-unique', message: `host device ${key} is already used at ${earlier}`, hint: 'a host device can be passed through once: as a UB device or as one fusion member'})
    else hostGuids.set(key, pointer)
  }
  list(ub.devices).forEach((d, i) => {
    const host = str(obj(d.host)?.guid)
    claim(host, `/ub/devices/${i}/host/guid`, 'a UB device')
    const guest = str(d.guestGuid)
    if (guest && host && !sameExceptSeq(guest, host))
      out.push({
        pointer: `/ub/devices/${i}/guestGuid`,
        rule: 'guid-match',
        message: `guestGuid must equal the host GUID ${host.toLowerCase()} except its seq_num (vfio_check_guid)`,
      })
  })
  list(ub.fusion).forEach((f, i) => {
    list(f.members).forEach((m, j) => claim(str(obj(m.host)?.guid), `/ub/fusion/${i}/members/${j}/host/guid`, 'a fusion member'))
    const guid = str(f.guid)
    const type = guid ? parseGuid(guid)?.type : undefined
    if (type !== undefined && type !== UbGuidType.CONTROLLER && type !== UbGuidType.ICONTROLLER)
      out.push({pointer: `/ub/fusion/${i}/guid`, rule: 'guid-type', message: `a fusion device GUID must have type 1 (device) or 2 (idevice), this one has type ${typeName(type)}`})
  })
  return out
}
