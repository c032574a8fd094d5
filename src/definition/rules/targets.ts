// Limits of one render target on top of the common rules: what the consumer of that form refuses.
// ubmgr and upstream (stock libvirt + QEMU arguments) take everything the common rules accept.
import {libvirtGuidProblem} from '../guid.js'
import type {Target} from '../targets.js'
import {list, obj, type RuleProblem, str} from './problem.js'

export function targetRules(def: Record<string, unknown>, target: Target): RuleProblem[] {
  return target === 'openeuler' ? openeulerRules(def) : []
}

/**
 * openEuler libvirt's UB grammar (src/conf/schemas/domaincommon.rng and basictypes.rng @cb66fdf3):
 * every GUID it carries must match its ubguid pattern, a hostdev's <ports> holds at most one <port>,
 * and a user alias (ubmgr's ua-NAME on fusion mdev hostdevs) contains no "." (user guide).
 */
function openeulerRules(def: Record<string, unknown>): RuleProblem[] {
  const out: RuleProblem[] = []
  const ub = obj(def.ub)
  if (!ub) return out
  const guid = (value: unknown, pointer: string) => {
    const why = str(value) === undefined ? undefined : libvirtGuidProblem(str(value)!)
    if (why) out.push({pointer, rule: 'openeuler-guid', message: `${why} (basictypes.rng), so virsh define --validate refuses it`, hint: 'use a seq_num written in decimal digits, or another target'})
  }
  guid(obj(ub.busInstance)?.guid, '/ub/busInstance/guid')
  guid(obj(ub.controller)?.guid, '/ub/controller/guid')
  list(ub.devices).forEach((d, i) => {
    guid(obj(d.host)?.guid, `/ub/devices/${i}/host/guid`)
    guid(d.guestGuid, `/ub/devices/${i}/guestGuid`)
    const links = list(d.links)
    if (links.length > 1)
      out.push({
        pointer: `/ub/devices/${i}/links`,
        rule: 'openeuler-one-port',
        message: `${links.length} links: openEuler libvirt's <ports> element holds at most one <port>, so a device with several links cannot be written in its form`,
        hint: 'targets ubmgr and upstream keep multi-port devices',
      })
  })
  list(ub.fusion).forEach((f, i) => {
    guid(f.guid, `/ub/fusion/${i}/guid`)
    const name = str(f.name)
    if ((f.transport ?? 'pci') === 'pci' && name?.includes('.'))
      out.push({pointer: `/ub/fusion/${i}/name`, rule: 'openeuler-alias', message: `the hostdev alias ua-${name} would contain ".", which openEuler's user guide does not allow in user aliases`})
  })
  return out
}
