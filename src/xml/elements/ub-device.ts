// <ub-device>: one UB device passed through (QEMU vfio-ub), by host GUID or as a pool request.
import type {NormalPoolRequest, Ub, UbDevice} from '../../definition/normalize.js'
import type {PoolClass, PoolRequest, UbDeviceDef} from '../../definition/types.js'
import {attr, child, el, elements, type XmlElement} from '../tree.js'
import {hexAttr, intAttr, requireAttr} from './values.js'

export function poolToXml(p: NormalPoolRequest): XmlElement {
  return el('pool', {class: p.class, bandwidth: p.bandwidth, queues: p.queues, vendor: p.vendor === undefined ? undefined : '0x' + p.vendor.toString(16).padStart(4, '0'), antiAffinity: p.antiAffinity})
}

export function poolFromXml(e: XmlElement, file: string): PoolRequest {
  return {class: requireAttr(e, 'class', file) as PoolClass, bandwidth: attr(e, 'bandwidth'), queues: intAttr(e, 'queues', file), vendor: attr(e, 'vendor'), antiAffinity: attr(e, 'antiAffinity')}
}

export function portsToXml(links: UbDevice['links'], ports: number, controllerEid: number): XmlElement {
  return el('ports', {num: ports}, links.map((l) => el('port', {index: l.port, teid: hexAttr(controllerEid), tport: l.controllerPort})))
}

export function ubDeviceToXml(d: UbDevice, ub: Ub): XmlElement {
  return el('ub-device', {name: d.name}, [
    d.host ? el('source', {guid: d.host.guid}) : d.pool && poolToXml(d.pool),
    el('address', {eid: hexAttr(d.eid), guid: d.guestGuid !== d.host?.guid ? d.guestGuid : undefined}),
    portsToXml(d.links, d.ports, ub.controller.eid),
    el('usi', {mode: d.usi.mode, vectors: d.usi.vectors}),
  ])
}

export function ubDeviceFromXml(e: XmlElement, file: string): UbDeviceDef {
  const source = child(e, 'source')
  const pool = child(e, 'pool')
  const address = child(e, 'address')
  const ports = child(e, 'ports')
  const usi = child(e, 'usi')
  return {
    name: requireAttr(e, 'name', file),
    host: source && {guid: requireAttr(source, 'guid', file)},
    pool: pool && poolFromXml(pool, file),
    guestGuid: address && attr(address, 'guid'),
    eid: address ? intAttr(address, 'eid', file) : undefined,
    ports: ports ? intAttr(ports, 'num', file) : undefined,
    links: ports ? elements(ports, 'port').map((p) => ({port: intAttr(p, 'index', file)!, controllerPort: intAttr(p, 'tport', file)})) : undefined,
    usi: usi && {mode: attr(usi, 'mode') as 'passthrough' | 'emulated', vectors: intAttr(usi, 'vectors', file)},
  }
}
