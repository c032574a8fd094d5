// The UB part as the openeuler and upstream targets lower it: openEuler libvirt's elements, or the QEMU
// devices openEuler libvirt makes of them. Both readers (elements/openeuler.ts, elements/qemu-ub.ts)
// return this shape, in the old form ubmgr wrote and in the real one, so import can tell whether XML
// carries what ubmgr derives (compare the shapes) and can rebuild a definition when there is no metadata.
import {UbGuidType, withGuidType} from '../definition/guid.js'
import type {UbDef, UbDeviceDef} from '../definition/types.js'
import {hex} from '../definition/units.js'

export interface LoweredDevice {
  /** alias or QEMU id, if it names the device (ua-NAME, or ub-N from earlier ubmgr output) */
  name?: string
  host: string
  guest?: string
  eid?: number
  ports?: number
  links: Array<{port: number; controllerPort?: number}>
}

export interface LoweredUb {
  controller?: {guid?: string; eid?: number; ports?: number; busInstance?: string}
  devices: LoweredDevice[]
  /** fusion devices over PCI: mediated vfio-pci devices by UUID */
  mdevs: string[]
  iommufd: boolean
  /** -global ub-ummu.nested=on (upstream only; openEuler's form implies nested with iommufd) */
  nested?: boolean
  /** -machine ub-cluster-mode=on (upstream only) */
  cluster?: boolean
  ubmem?: {tid: bigint; uba: bigint; size: bigint}
}

export const emptyLowered = (): LoweredUb => ({devices: [], mdevs: [], iommufd: false})

/** A comparable text of the shape; names are not part of it (metadata carries them). */
export function loweredKey(l: LoweredUb): string {
  return JSON.stringify({...l, devices: l.devices.map(({name: _, ...d}) => ({...d, guest: d.guest ?? d.host}))}, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
}

export const mergeLowered = (a: LoweredUb, b: LoweredUb): LoweredUb => ({
  controller: a.controller ?? b.controller,
  devices: [...a.devices, ...b.devices],
  mdevs: [...a.mdevs, ...b.mdevs],
  iommufd: a.iommufd || b.iommufd,
  nested: a.nested ?? b.nested,
  cluster: a.cluster ?? b.cluster,
  ubmem: a.ubmem ?? b.ubmem,
})

/**
 * A definition's UB part from the lowered form alone (XML written by ub-device-manager or dumped by
 * openEuler libvirt, or QEMU arguments without ubmgr's metadata). What the form does not carry gets
 * ubmgr's defaults: USI, and a bus instance GUID taken from the controller's with type 0 when the XML
 * names none (ub-device-manager derives the controller GUID from the bus instance's that way).
 */
export function loweredToUbDef(l: LoweredUb, file: string, fail: (message: string) => never): UbDef {
  const c = l.controller
  if (!c) fail(`${file}: UB devices without a UB controller`)
  const bi = c.busInstance ?? (c.guid ? withGuidType(c.guid, UbGuidType.BUS_INSTANCE) : undefined)
  if (!bi) fail(`${file}: the UB controller names no bus instance (<source><businstance guid=…/>) and no GUID`)
  const devices = l.devices.map(
    (d, i): UbDeviceDef => ({
      name: d.name ?? `ub-${i}`,
      host: {guid: d.host},
      guestGuid: d.guest && d.guest.toLowerCase() !== d.host.toLowerCase() ? d.guest : undefined,
      eid: d.eid,
      ports: d.ports,
      links: d.links.length > 0 ? d.links : undefined,
    }),
  )
  return {
    busInstance: {guid: bi, ...(l.cluster ? {type: 'dynamic-cluster'} : {})},
    controller: {guid: c.guid, eid: c.eid, ports: c.ports},
    ummu: {nested: l.nested ?? l.iommufd, iommufd: l.iommufd},
    ...(l.ubmem ? {ubmemVmmu: {tid: Number(l.ubmem.tid), uba: hex(l.ubmem.uba), size: bytesToSize(l.ubmem.size)}} : {}),
    ...(devices.length > 0 ? {devices} : {}),
  }
}

function bytesToSize(bytes: bigint): string {
  for (const [unit, f] of [['TiB', 1024n ** 4n], ['GiB', 1024n ** 3n], ['MiB', 1024n ** 2n]] as const) if (bytes % f === 0n) return `${bytes / f}${unit}`
  return `${bytes / 1024n}KiB`
}
