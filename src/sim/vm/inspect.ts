// The guest's view of its UB devices: a /sys/bus/ub/devices-like table, one device's config space with
// field names, the UMMU tables, and the USI routes.
import {hexDump} from './cfgspace.js'
import type {GuestState} from './walk.js'

const hex = (n: number) => '0x' + n.toString(16)

export function inspectText(g: GuestState, device?: string): string {
  const lines: string[] = [`guest ${g.name}: bus instance ${g.busInstance.guid} (eid ${hex(g.busInstance.eid)}), ubc.0 eid ${hex(g.controller.eid)} cna ${hex(g.controller.cna)}`, '']
  lines.push('/sys/bus/ub/devices (guest)')
  lines.push('uent   guid                                   eid      primary_cna  tid      instance  usi          ready')
  lines.push(`00000  ${g.controller.guid}  ${hex(g.controller.eid).padEnd(7)}  ${hex(g.controller.cna).padEnd(11)}  -        -         -            yes`)
  g.devices.forEach((d, i) =>
    lines.push(`${(i + 1).toString(16).padStart(5, '0')}  ${d.guestGuid}  ${hex(d.eid).padEnd(7)}  ${hex(d.cna).padEnd(11)}  ${hex(d.tid).padEnd(7)}  ${hex(d.ueid).padEnd(8)}  ${`${d.usi.vectors} ${d.usi.mode === 'passthrough' ? 'irqfd' : 'emul'}`.padEnd(11)}  ${d.ready ? 'yes' : 'no'}`),
  )
  const u = g.ummu
  lines.push('', `UMMU (${u.nested ? 'nested' : 'stage 1'}; CTRL0 ${hex(u.regs.CTRL0 ?? 0)}; ${u.commands} commands)`)
  lines.push('  KV table (DstEID → tecte_tag): ' + (Object.entries(u.kv).map(([eid, tag]) => `${hex(Number(eid))}→${tag}`).join(', ') || 'empty'))
  for (const [tag, te] of Object.entries(u.tect)) {
    lines.push(`  TECT[${tag}]: V=${te.v ? 1 : 0} ST_MODE=${te.stMode} TCT_NUM=${te.tctNum}`)
    for (const [tid, tc] of Object.entries(u.tct[tag] ?? {})) lines.push(`    TCT[${hex(Number(tid))}]: V=${tc.v ? 1 : 0} TTBA=${tc.ttba} TGS=${tc.tgs}`)
  }
  if (u.iommufd) lines.push(`  iommufd: S2 HWPT ${u.iommufd.s2HwptId}, vIOMMU ${u.iommufd.viommuId}, S1 HWPTs ${Object.entries(u.iommufd.s1Hwpt).map(([n, id]) => `${n}=${id}`).join(', ') || 'none'}`)
  lines.push('', 'USI routes')
  for (const d of g.devices)
    if (d.usi.routes.length > 0) lines.push(`  ${d.name}: vectors 0..${d.usi.routes.length - 1} → gsi ${d.usi.routes[0].gsi}..${d.usi.routes.at(-1)!.gsi} (${d.usi.mode === 'passthrough' ? 'KVM USI route + irqfd' : 'QEMU usi_notify'})`)
  if (device) {
    const d = g.devices.find((x) => x.name === device)
    lines.push('', d ? `config space of ${device} (non-zero dwords)` : `no device named ${device}`)
    if (d) lines.push(hexDump(d.cfg).trimEnd())
  }
  return lines.join('\n') + '\n'
}
