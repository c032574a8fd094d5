// <ub-controller> (target ubmgr, and inside ubmgr's metadata): the guest's bus controller (QEMU ubc on
// ubus.0), the host bus instance it stands for, and the pooled-memory window (ubmem_vmmu).
import type {Ub} from '../../definition/normalize.js'
import type {BusInstanceType, UbDef} from '../../definition/types.js'
import {child, el, type XmlElement, attr} from '../tree.js'
import {hexAttr, intAttr, requireAttr} from './values.js'

export function ubControllerToXml(ub: Ub): XmlElement {
  const bi = ub.busInstance
  return el('ub-controller', {index: 0, guid: ub.controller.guid, eid: hexAttr(ub.controller.eid), ports: ub.controller.ports}, [
    el('bus-instance', {guid: bi.guid, type: bi.type, eid: hexAttr(bi.eid), upi: hexAttr(bi.upi)}),
    ub.ubmemVmmu && el('ubmem-vmmu', {tid: hexAttr(ub.ubmemVmmu.tid), uba: ub.ubmemVmmu.uba, size: ub.ubmemVmmu.size}),
  ])
}

export function ubControllerFromXml(e: XmlElement, file: string): Pick<UbDef, 'busInstance' | 'controller' | 'ubmemVmmu'> {
  const bi = child(e, 'bus-instance') ?? el('bus-instance')
  const mem = child(e, 'ubmem-vmmu')
  return {
    busInstance: {
      guid: requireAttr(bi, 'guid', file),
      type: (attr(bi, 'type') ?? 'dynamic-server') as BusInstanceType,
      eid: intAttr(bi, 'eid', file),
      upi: intAttr(bi, 'upi', file),
    },
    controller: {guid: attr(e, 'guid'), eid: intAttr(e, 'eid', file), ports: intAttr(e, 'ports', file)},
    ubmemVmmu: mem && {tid: intAttr(mem, 'tid', file)!, uba: requireAttr(mem, 'uba', file), size: requireAttr(mem, 'size', file)},
  }
}
