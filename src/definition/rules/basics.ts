// Rules on the standard parts: names, disk targets, MACs and interface sources must make sense to libvirt.
import {list, obj, type RuleProblem, str} from './problem.js'

export function basicRules(def: Record<string, unknown>): RuleProblem[] {
  const out: RuleProblem[] = []
  const name = str(def.name)
  if (name !== undefined && (name.trim() !== name || name === '.' || name === '..'))
    out.push({pointer: '/name', rule: 'name', message: 'a domain name must not be "." or ".." nor start or end with spaces'})
  if (def.hugepages === true && list([def.libvirt]).some((l) => Array.isArray(l.domain) && l.domain.some((x) => typeof x === 'string' && /^\s*<memoryBacking\b/.test(x))))
    out.push({pointer: '/hugepages', rule: 'hugepages-backing', message: 'libvirt.domain already holds a <memoryBacking> element', hint: 'put <hugepages/> inside that element, or drop it and keep hugepages: true'})
  unique(list(def.disks), 'target', '/disks', 'disk target', out)
  list(def.disks).forEach((d, i) => {
    if ((d.device ?? 'disk') === 'disk' && d.source === undefined)
      out.push({pointer: `/disks/${i}`, rule: 'disk-source', message: 'a disk needs a source (an absolute path)'})
  })
  list(def.interfaces).forEach((n, i) => {
    if (n.type === 'user' && n.source !== undefined) out.push({pointer: `/interfaces/${i}/source`, key: true, rule: 'iface-source', message: 'type user takes no source'})
    if (n.type !== 'user' && n.source === undefined && typeof n.type === 'string')
      out.push({pointer: `/interfaces/${i}`, rule: 'iface-source', message: `type ${n.type} needs a source (${n.type === 'network' ? 'a libvirt network name' : 'a host interface or bridge'})`})
  })
  const macs = new Map<string, string>()
  const mac = (value: unknown, pointer: string) => {
    const m = str(value)?.toLowerCase()
    if (!m) return
    if (parseInt(m.slice(0, 2), 16) & 1) out.push({pointer, rule: 'mac', message: `${m} is a multicast address; a NIC needs a unicast MAC`})
    const first = macs.get(m)
    if (first) out.push({pointer, rule: 'mac-unique', message: `MAC ${m} is already used at ${first}`})
    else macs.set(m, pointer)
  }
  list(def.interfaces).forEach((n, i) => mac(n.mac, `/interfaces/${i}/mac`))
  const ub = obj(def.ub)
  list(ub?.fusion).forEach((f, i) => mac(f.mac, `/ub/fusion/${i}/mac`))
  const names = new Map<string, string>()
  const devName = (value: unknown, pointer: string) => {
    const n = str(value)
    if (!n) return
    const first = names.get(n)
    if (first) out.push({pointer, rule: 'name-unique', message: `device name '${n}' is already used at ${first}`})
    else names.set(n, pointer)
  }
  list(ub?.devices).forEach((d, i) => devName(d.name, `/ub/devices/${i}/name`))
  list(ub?.fusion).forEach((f, i) => devName(f.name, `/ub/fusion/${i}/name`))
  return out
}

function unique(items: Array<Record<string, unknown>>, field: string, base: string, what: string, out: RuleProblem[]): void {
  const seen = new Map<string, number>()
  items.forEach((item, i) => {
    const v = str(item[field])
    if (v === undefined) return
    const first = seen.get(v)
    if (first !== undefined) out.push({pointer: `${base}/${i}/${field}`, rule: `${what.replace(' ', '-')}-unique`, message: `${what} ${v} is already used by item ${first}`})
    else seen.set(v, i)
  })
}
