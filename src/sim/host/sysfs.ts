// The host as the kernel shows it in sysfs, byte for byte (drivers/ub/ubus/sysfs.c, port.c, instance.c):
// the files of /sys/bus/ub/devices/%05x and its portN directories, /sys/bus/ub/instance and
// /sys/bus/ub/cluster, plus a devices table for people. Pure functions of the HostState.
import {altHex, padHex, uentName} from './cformat.js'
import type {HostEntity, HostPort, HostState} from './model.js'

/** IORESOURCE_MEM (include/linux/ioport.h), the flags of an ERS resource. */
const IORESOURCE_MEM = 0x200n
/** drivers/ub/ubus/instance.c MAX_DUMP: lines one read of /sys/bus/ub/instance shows. */
export const INSTANCE_MAX_DUMP = 50

const guidBits = (guid: string) => ({vendor: Number.parseInt(guid.slice(0, 4), 16), device: Number.parseInt(guid.slice(5, 9), 16), type: Number.parseInt(guid[12], 16)})

/**
 * The readable attribute files of one entity directory, in the kernel's formats. Left out: `config` and
 * `resourceN` (binary), `kref` and `ummu_map`, `numa` and `sw_cap` (kernel and firmware state the
 * simulator does not model), and the write-only files.
 */
export function entityFiles(state: HostState, e: HostEntity): Record<string, string> {
  const g = guidBits(e.guid)
  const started = e.instanceEid !== 0 || e.kind === 'switch'
  const files: Record<string, string> = {
    resource: e.ers.map(resourceLine).join(''),
    vendor: `${altHex(g.vendor, 6)}\n`,
    device: `${altHex(g.device, 6)}\n`,
    class_code: `${altHex(e.classCode, 6)}\n`,
    type: `${altHex(g.type)}\n`,
    driver_override: `${e.driverOverride ?? '(null)'}\n`,
    match_driver: `${started}\n`,
    direct_link: directLink(e),
    guid: `${e.guid}\n`,
    ubc: `${altHex(e.ubc, 5)}\n`,
    primary_cna: `${altHex(e.cna, 6)}\n`,
    instance: `${altHex(e.instanceEid, 5)}\n`,
    upi: `${altHex(e.upi, 4)}\n`,
    entity_idx: `${e.entityIdx}\n`,
    eid: `${e.eid}\n`,
    tid: `${e.tid}\n`,
    primary_entity: `${altHex(e.uentNum, 5)}\n`,
  }
  if (started) {
    files.ub_totalues = `${e.totalUes}\n`
    files.ub_numues = '0\n'
    files.mue_list = ''
    files.ue_list = ''
  }
  return files
}

/** `%#016llx %#016llx %#016llx`: start, end, flags of ERS0..2 (a zero-sized ERS is an empty resource). */
function resourceLine(r: HostEntity['ers'][number]): string {
  const size = BigInt(r.size)
  const start = size > 0n ? BigInt(r.sa) : 0n
  const end = size > 0n ? start + size - 1n : 0n
  return `${altHex(start, 16)} ${altHex(end, 16)} ${altHex(size > 0n ? IORESOURCE_MEM : 0n, 16)}\n`
}

/** `%#04x : %#04x [%#05x]` per connected port: index, remote index, remote uent. */
function directLink(e: HostEntity): string {
  let out = ''
  for (const p of e.ports) if (p.remote) out += `${altHex(p.index, 4)} : ${altHex(p.remote.index, 4)} [${altHex(p.remote.uentNum, 5)}]\n`
  return out
}

/** /sys/bus/ub/devices/%05x/portN (port.c), the attributes readable without touching the hardware's link registers. */
export function portFiles(p: HostPort): Record<string, string> {
  return {
    cna: `${altHex(p.cna, 6)}\n`,
    boundary: `${altHex(p.boundary ? 1 : 0, 1)}\n`,
    neighbor_port_idx: p.remote ? `${p.remote.index}\n` : 'No Neighbor\n',
    neighbor_guid: p.remote ? `${p.remote.guid}\n` : 'No Neighbor\n',
    neighbor: p.remote ? `${padHex(p.remote.uentNum, 5)}\n` : 'No Neighbor\n',
  }
}

/**
 * Reading /sys/bus/ub/instance: "count %#x, from %#x, show %#x", then at most 50 lines
 * "guid:<guid> type:%01x eid:%05x upi:%04x".
 */
export function instanceFile(state: HostState, from = 0): string {
  const shown = state.instances.slice(from, from + INSTANCE_MAX_DUMP)
  let out = `count ${altHex(state.instances.length)}, from ${altHex(from)}, show ${altHex(shown.length)}\n`
  for (const bi of shown) out += `guid:${bi.guid} type:${padHex(bi.type, 1)} eid:${padHex(bi.eid, 5)} upi:${padHex(bi.upi, 4)}\n`
  return out
}

/** /sys/bus/ub/cluster: "%d" of ubc->cluster. */
export const clusterFile = (state: HostState): string => `${state.cluster ? 1 : 0}\n`

const HEAD = ['uent', 'name', 'guid', 'type', 'class', 'eid', 'primary_cna', 'upi', 'instance', 'driver']

/**
 * /sys/bus/ub/devices as a table: a few of each entity's files, one row each. Two passes, widths first: the
 * cells are made twice rather than all kept, since a super-node's millions of kept cells cost more to hold than to make.
 */
export function devicesTable(state: HostState): string {
  const widths = HEAD.map((h) => h.length)
  for (const e of state.entities) {
    const row = tableRow(e)
    for (let i = 0; i < row.length; i++) if (row[i].length > widths[i]) widths[i] = row[i].length
  }
  let out = tableLine(HEAD, widths)
  for (const e of state.entities) out += tableLine(tableRow(e), widths)
  return out
}

const tableRow = (e: HostEntity): string[] => [uentName(e.uentNum), e.name, e.guid, e.kind, altHex(e.classCode, 6), String(e.eid), altHex(e.cna, 6), altHex(e.upi, 4), altHex(e.instanceEid, 5), e.driver ?? '-']

/** One row, columns two spaces apart; the last column is not padded (the line is trimmed at its end anyway). */
function tableLine(row: string[], widths: number[]): string {
  let line = ''
  for (let i = 0; i < row.length - 1; i++) line += row[i].padEnd(widths[i]) + '  '
  return (line + row[row.length - 1]).trimEnd() + '\n'
}
