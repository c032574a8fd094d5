// The form openEuler's UB-aware libvirt takes, as Huawei's ub-device-manager (VmXmlBuilder) writes it
// (ub-stack.md §6.2): one <controller type='ub'> with model ubc, one <hostdev type='ub'> per device.
// The element names are [SRC] from that tool; that openEuler libvirt parses exactly this is [INF].
import type {Ub} from '../../definition/normalize.js'
import {el, type XmlElement} from '../tree.js'
import {hexAttr} from './values.js'

export function ubControllerElement(ub: Ub): XmlElement {
  return el('controller', {type: 'ub', index: 0}, [
    el('model', {name: 'ubc'}),
    el('ports', {num: ub.controller.ports}),
    el('alias', {name: 'ubc.0'}),
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
  alias: string
}

export function ubHostdevElement(d: UbHostdev, ub: Ub): XmlElement {
  return el('hostdev', {mode: 'subsystem', type: 'ub', managed: 'yes', iommufd: ub.ummu.iommufd ? '1' : undefined}, [
    el('driver', {name: 'vfio'}),
    el('source', {}, [el('address', {guid: d.hostGuid})]),
    el('address', {type: 'ub', eid: hexAttr(d.eid), guid: d.guestGuid}),
    el('alias', {name: d.alias}),
    el('ports', {num: d.ports}, d.links.map((l) => el('port', {index: l.port, teid: hexAttr(ub.controller.eid), tport: l.controllerPort}))),
  ])
}

/**
 * A fusion device over PCI transport: the aggregated device that vfio_fusiond exposes through VFIO,
 * passed through as a mediated vfio-pci device. [INF] The talk says QEMU opens it "through standard PCI
 * passthrough"; mdev is ubmgr's reading of that, no public source confirms the mechanism.
 */
export function mdevHostdevElement(uuid: string, name: string): XmlElement {
  return el('hostdev', {mode: 'subsystem', type: 'mdev', model: 'vfio-pci'}, [
    el('source', {}, [el('address', {uuid})]),
    el('alias', {name: `ua-fusion-${name}`}),
  ])
}
