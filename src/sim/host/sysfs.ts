// The host view as the kernel shows it: /sys/bus/ub/devices (one %05x directory per entity with guid,
// eid, primary_cna, upi, tid, instance, driver) and /sys/bus/ub/instance, in the kernel's formats.
import type {HostState} from './model.js'

const hex5 = (n: number) => n.toString(16).padStart(5, '0')

export function devicesTable(state: HostState): string {
  const rows = state.entities.map((e) => [hex5(e.uentNum), e.guid, `0x${e.eid.toString(16)}`, `0x${e.cna.toString(16)}`, `0x${e.upi.toString(16)}`, `0x${e.tid.toString(16)}`, `0x${e.instanceEid.toString(16).padStart(5, '0')}`, e.kind, e.driver ?? '-'])
  const head = ['uent', 'guid', 'eid', 'primary_cna', 'upi', 'tid', 'instance', 'type', 'driver']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n'
}

/**
 * Reading /sys/bus/ub/instance: "count %#x, from %#x, show %#x", then at most 50 lines
 * "guid:<guid> type:%01x eid:%05x upi:%04x" (drivers/ub/ubus/sysfs.c).
 */
export function instanceFile(state: HostState, from = 0): string {
  const shown = state.instances.slice(from, from + 50)
  const lines = [`count ${cHex(state.instances.length)}, from ${cHex(from)}, show ${cHex(shown.length)}`]
  for (const bi of shown) lines.push(`guid:${bi.guid} type:${bi.type.toString(16)} eid:${hex5(bi.eid)} upi:${bi.upi.toString(16).padStart(4, '0')}`)
  return lines.join('\n') + '\n'
}

/** C's %#x: 0 prints as "0", anything else with 0x. */
const cHex = (n: number) => (n === 0 ? '0' : '0x' + n.toString(16))
