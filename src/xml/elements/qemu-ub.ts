// The QEMU arguments for the UB part, as openEuler libvirt generates them from its UB elements
// (tests/qemuxml2argvdata/ub-hostdev*.args, ub-controller*.args, iommu-ummu*.args):
//   <iommufds>1</iommufds>       → -object '{"qom-type":"iommufd","id":"iommufd1"}'
//   <iommu model='ummu'/>        → ummu=on in -machine
//   <controller type='ub' index='1'> → -device '{"driver":"ubc","id":"ubc.1","guid":…,"eid":1,"portnum":N}'
//   <hostdev type='ub' iommufd='1'>  → -device '{"driver":"vfio-ub","host":…,"id":"hostdevN","guid":…,"eid":3,
//                                       "portnum":1,"port0":"ubc.1:<tport>","iommufd":"iommufd1"}'
// Target upstream puts these in <qemu:commandline> for stock libvirt. Where the fixtures are silent
// ubmgr infers, and says so: bus_instance_guid on ubc (a QEMU property of the bus controller; the
// fixtures have no <source><businstance>), port properties beyond port0, -global ub-ummu.nested=on,
// -machine ub-cluster-mode=on, the ubmem_vmmu device in JSON, and fusion devices.
import type {Ub} from '../../definition/normalize.js'
import {sizeToKiB} from '../../definition/units.js'
import {fusionIsResolved, fusionLinks, resolvedDevices} from '../layout.js'
import {emptyLowered, type LoweredDevice, type LoweredUb} from '../lowered.js'
import {UB_CONTROLLER_INDEX} from './openeuler.js'
import {parseQemuValue, qemuJson, type QemuProps} from './qemu-device.js'

const IOMMUFD_ID = 'iommufd1'
const UBC_ID = `ubc.${UB_CONTROLLER_INDEX}`

export function ubQemuArgs(ub: Ub): string[] {
  const args: string[] = []
  const device = (props: QemuProps) => args.push('-device', qemuJson(props))
  if (ub.ummu.iommufd) args.push('-object', qemuJson({'qom-type': 'iommufd', id: IOMMUFD_ID}))
  // ummu=on: iommu-ummu fixture. ub-cluster-mode: [INF] openEuler's virt machine property, not in a fixture.
  args.push('-machine', ub.busInstance.type.endsWith('cluster') ? 'ummu=on,ub-cluster-mode=on' : 'ummu=on')
  // [INF] ub-ummu's nested property; openEuler libvirt has no element for it.
  if (ub.ummu.nested) args.push('-global', 'ub-ummu.nested=on')
  device({driver: 'ubc', id: UBC_ID, guid: ub.controller.guid, eid: ub.controller.eid, portnum: ub.controller.ports, bus_instance_guid: ub.busInstance.guid})
  let hostdev = 0
  const vfioUb = (host: string, guid: string, eid: number, ports: number, links: Array<{port: number; controllerPort: number}>) =>
    device({
      driver: 'vfio-ub',
      host,
      id: `hostdev${hostdev++}`,
      guid,
      eid,
      portnum: ports,
      ...Object.fromEntries(links.map((l) => [`port${l.port}`, `${UBC_ID}:${l.controllerPort}`])),
      ...(ub.ummu.iommufd ? {iommufd: IOMMUFD_ID} : {}),
    })
  for (const d of resolvedDevices(ub)) vfioUb(d.host.guid, d.guestGuid, d.eid, d.ports, d.links)
  const links = fusionLinks(ub)
  for (const f of ub.fusion) {
    if (!fusionIsResolved(f)) continue
    // [INF] fusion devices: no public source (ub-stack-verified.md §4).
    if (f.transport === 'pci') device({driver: 'vfio-pci', id: `ua-fusion-${f.name}`, sysfsdev: `/sys/bus/mdev/devices/${f.mdevUuid}`})
    else vfioUb(f.guid!, f.guid!, f.eid!, 1, links.get(f.name)!)
  }
  if (ub.ubmemVmmu) device(ubmemVmmuProps(ub.ubmemVmmu))
  return args
}

/** QEMU ubmem_vmmu's properties tid (uint32), uba and size (uint64, bytes). [INF] no libvirt fixture has it. */
export function ubmemVmmuProps(m: NonNullable<Ub['ubmemVmmu']>): QemuProps {
  return {driver: 'ubmem_vmmu', tid: m.tid, uba: BigInt(m.uba), size: sizeToKiB(m.size)! * 1024n}
}

/**
 * The UB part of QEMU arguments in either syntax (JSON as above, or the key=value lists earlier ubmgr
 * and ub-device-manager wrote), and the arguments that are not UB, in order.
 */
export function readUbQemuArgs(args: string[]): {lowered: LoweredUb; ub: string[]; rest: string[]} {
  const lowered = emptyLowered()
  const ub: string[] = []
  const rest: string[] = []
  for (let i = 0; i < args.length; i++) {
    const [option, value] = [args[i], args[i + 1]]
    if (value !== undefined && readPair(option, value, lowered)) {
      ub.push(option, value)
      i++
    } else rest.push(option)
  }
  return {lowered, ub, rest}
}

function readPair(option: string, value: string, l: LoweredUb): boolean {
  if (option === '-machine') {
    const keys = value.split(',')
    if (!keys.every((k) => k === 'ummu=on' || k === 'ub-cluster-mode=on') || !keys.includes('ummu=on')) return false
    if (keys.includes('ub-cluster-mode=on')) l.cluster = true
    return true
  }
  if (option === '-global') {
    if (value !== 'ub-ummu.nested=on') return false
    l.nested = true
    return true
  }
  const p = parseQemuValue(option, value)
  if (!p) return false
  const s = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined)
  const n = (k: string) => (typeof p[k] === 'bigint' || typeof p[k] === 'number' ? Number(p[k]) : undefined)
  const big = (k: string) => (typeof p[k] === 'bigint' ? (p[k] as bigint) : undefined)
  switch (option === '-object' ? `object:${s('qom-type')}` : s('driver')) {
    case 'object:iommufd':
      l.iommufd = true
      return true
    case 'ubc':
      l.controller = {guid: s('guid')?.toLowerCase(), eid: n('eid'), ports: n('portnum'), busInstance: s('bus_instance_guid')?.toLowerCase()}
      return true
    case 'vfio-ub':
      if (!s('host')) return false
      l.devices.push(vfioUbDevice(p, s, n))
      if (s('iommufd')) l.iommufd = true
      return true
    case 'vfio-pci': {
      const m = /^\/sys\/bus\/mdev\/devices\/([0-9a-fA-F-]{36})$/.exec(s('sysfsdev') ?? '')
      if (!m) return false
      l.mdevs.push(m[1].toLowerCase())
      return true
    }
    case 'ubmem_vmmu':
      if (big('tid') === undefined || big('uba') === undefined || big('size') === undefined) return false
      l.ubmem = {tid: big('tid')!, uba: big('uba')!, size: big('size')!}
      return true
    default:
      return false
  }
}

function vfioUbDevice(p: QemuProps, s: (k: string) => string | undefined, n: (k: string) => number | undefined): LoweredDevice {
  const links: LoweredDevice['links'] = []
  for (const key of Object.keys(p)) {
    const m = /^port([0-9]+)$/.exec(key)
    const v = m && s(key)
    if (!m || !v) continue
    // libvirt: "<ubc id>:<tport>"; earlier ubmgr: "<port>:<ubc id>:<tport>" (QEMU's "%u:%[^:]:%u").
    const parts = v.split(':')
    links.push({port: Number(m[1]), controllerPort: Number(parts[parts.length - 1])})
  }
  const id = s('id')
  return {
    name: id && /^ub-[0-9]+$/.test(id) ? id : undefined,
    host: s('host')!.toLowerCase(),
    guest: s('guid')?.toLowerCase(),
    eid: n('eid'),
    ports: n('portnum'),
    links: links.sort((a, b) => a.port - b.port),
  }
}
