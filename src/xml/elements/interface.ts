// <interface>: network, bridge, direct (macvtap) and user networking.
import type {Interface} from '../../definition/normalize.js'
import type {InterfaceDef} from '../../definition/types.js'
import {attr, child, el, type XmlElement} from '../tree.js'

const SOURCE_ATTR = {network: 'network', bridge: 'bridge', direct: 'dev'} as const

export function interfaceToXml(i: Interface): XmlElement {
  return el('interface', {type: i.type}, [
    i.mac && el('mac', {address: i.mac}),
    i.type !== 'user' && i.source !== undefined && el('source', {[SOURCE_ATTR[i.type]]: i.source, mode: i.type === 'direct' ? 'bridge' : undefined}),
    el('model', {type: i.model}),
  ])
}

export function interfaceFromXml(e: XmlElement): InterfaceDef | undefined {
  const type = attr(e, 'type')
  if (type !== 'network' && type !== 'bridge' && type !== 'direct' && type !== 'user') return undefined
  const known = new Set(['mac', 'source', 'model'])
  if (e.children.some((c) => 'name' in c && !known.has(c.name))) return undefined
  const model = attr(child(e, 'model') ?? el('model'), 'type') ?? 'virtio'
  if (model !== 'virtio' && model !== 'e1000e' && model !== 'rtl8139') return undefined
  const source = child(e, 'source')
  if (type === 'direct' && source && (attr(source, 'mode') ?? 'vepa') !== 'bridge') return undefined
  const mac = child(e, 'mac')
  return {
    type,
    source: type === 'user' || !source ? undefined : attr(source, SOURCE_ATTR[type]),
    model,
    mac: mac && attr(mac, 'address'),
  }
}
