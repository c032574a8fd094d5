// The UB elements of openEuler's UB-aware libvirt (src/conf/schemas/domaincommon.rng @cb66fdf3), in
// libvirt's own child order as its test fixture ub-hostdev.xml and its formatted output
// (qemuxml2xmloutdata/ub-hostdev.aarch64-latest.xml) have them: libxml2 refuses UB children out of that
// order even inside the schema's interleave.
//   <controller type='ub' index='1' model='ubc'> ports, source/businstance, address type='ub'
//   <hostdev mode='subsystem' type='ub' managed='yes' [iommufd='1']> driver, source/address, ports
//     (at most one port), address type='ub'
// The reader also takes the form ub-device-manager (vm_xml_builder.py) and earlier ubmgr wrote: a
// <model name='ubc'/> child, an alias, children in another order.
import type {Ub} from '../../definition/normalize.js'
import {UbmgrError} from '../../ground/errors.js'
import {emptyLowered, type LoweredDevice, type LoweredUb} from '../lowered.js'
import {attr, child, el, elements, textOf, type XmlElement} from '../tree.js'
import {hexAttr, intAttr} from './values.js'

/** libvirt names the QEMU ubc device "ubc.<index>"; its fixtures use index 1. */
export const UB_CONTROLLER_INDEX = 1

export function ubControllerElement(ub: Ub): XmlElement {
  return el('controller', {type: 'ub', index: UB_CONTROLLER_INDEX, model: 'ubc'}, [
    el('ports', {num: ub.controller.ports}),
    el('source', {}, [el('businstance', {guid: ub.busInstance.guid})]),
    el('address', {type: 'ub', eid: hexAttr(ub.controller.eid), guid: ub.controller.guid}),
  ])
}

export interface UbHostdev {
  hostGuid: string
  guestGuid: string
  eid: number
  ports: number
  links: Array<{port: number; controllerPort: number}>
}

export function ubHostdevElement(d: UbHostdev, ub: Ub): XmlElement {
  // rules/targets.ts refuses several links for this target with the definition's position; this
  // guards every other way in (dumpxml, attach-device, XML input).
  if (d.links.length > 1) throw new UbmgrError(`error: UB device ${d.hostGuid} has ${d.links.length} links; openEuler libvirt's <ports> holds at most one <port>`)
  return el('hostdev', {mode: 'subsystem', type: 'ub', managed: 'yes', iommufd: ub.ummu.iommufd ? '1' : undefined}, [
    el('driver', {name: 'vfio'}),
    el('source', {}, [el('address', {guid: d.hostGuid})]),
    el('ports', {num: d.ports}, d.links.map((l) => el('port', {index: l.port, teid: hexAttr(ub.controller.eid), tport: l.controllerPort}))),
    el('address', {type: 'ub', eid: hexAttr(d.eid), guid: d.guestGuid}),
  ])
}

/**
 * A fusion device over PCI transport: the aggregated device that vfio_fusiond exposes through VFIO,
 * passed through as a mediated vfio-pci device. [INF] The talk says QEMU opens it "through standard PCI
 * passthrough"; mdev is ubmgr's reading of that, no public source confirms the mechanism.
 */
export function mdevHostdevElement(uuid: string, name: string): XmlElement {
  return el('hostdev', {mode: 'subsystem', type: 'mdev', model: 'vfio-pci'}, [el('source', {}, [el('address', {uuid})]), el('alias', {name: `ua-fusion-${name}`})])
}

export function isOpenEulerUb(d: XmlElement): boolean {
  return (
    (d.name === 'controller' && attr(d, 'type') === 'ub') ||
    (d.name === 'hostdev' && (attr(d, 'type') === 'ub' || attr(d, 'type') === 'mdev')) ||
    (d.name === 'iommu' && attr(d, 'model') === 'ummu')
  )
}

/** The UB part of openEuler's elements (any of the forms above) and <iommufds>. */
export function readOpenEulerElements(items: XmlElement[], iommufds: XmlElement | undefined, file: string): LoweredUb {
  const out = emptyLowered()
  const ctrls = items.filter((e) => e.name === 'controller')
  if (ctrls.length > 1) throw new UbmgrError(`${file}: ${ctrls.length} <controller type='ub'>; a VM has one UB controller`)
  const ctrl = ctrls[0]
  if (ctrl) {
    const address = child(ctrl, 'address')
    const ports = child(ctrl, 'ports')
    out.controller = {
      guid: address && attr(address, 'guid')?.toLowerCase(),
      eid: address && intAttr(address, 'eid', file),
      ports: ports && intAttr(ports, 'num', file),
      busInstance: attr(child(child(ctrl, 'source') ?? el('source'), 'businstance') ?? el('businstance'), 'guid')?.toLowerCase(),
    }
  }
  const hostdevs = items.filter((e) => e.name === 'hostdev' && attr(e, 'type') === 'ub')
  out.devices = hostdevs.map((h, i) => readHostdev(h, i, file))
  out.mdevs = items.filter((e) => e.name === 'hostdev' && attr(e, 'type') === 'mdev').map((h) => attr(child(child(h, 'source') ?? el('source'), 'address') ?? el('address'), 'uuid')?.toLowerCase() ?? '')
  out.iommufd = Number(textOf(iommufds)?.trim() ?? '0') > 0 || hostdevs.some((h) => attr(h, 'iommufd') !== undefined)
  return out
}

function readHostdev(h: XmlElement, i: number, file: string): LoweredDevice {
  const host = attr(child(child(h, 'source') ?? el('source'), 'address') ?? el('address'), 'guid')
  if (!host) throw new UbmgrError(`${file}: <hostdev type='ub'> number ${i + 1} needs <source><address guid=…/></source>`)
  const address = child(h, 'address') ?? el('address')
  const ports = child(h, 'ports')
  const alias = attr(child(h, 'alias') ?? el('alias'), 'name')
  return {
    name: alias?.startsWith('ua-') ? alias.slice(3) : alias && /^ub-[0-9]+$/.test(alias) ? alias : undefined,
    host: host.toLowerCase(),
    guest: attr(address, 'guid')?.toLowerCase(),
    eid: intAttr(address, 'eid', file),
    ports: ports && intAttr(ports, 'num', file),
    links: ports ? elements(ports, 'port').map((p) => ({port: intAttr(p, 'index', file) ?? 0, controllerPort: intAttr(p, 'tport', file)})) : [],
  }
}
