// <fusion-device>: one guest-visible virtio device aggregated from slices on several cards. No public
// source describes FusionD's configuration (ub-stack.md §9): the element is ubmgr's design.
import type {FusionDevice} from '../../definition/normalize.js'
import type {Failback, FusionDeviceDef, FusionKind, FusionMemberDef, FusionMode, QueuePolicy} from '../../definition/types.js'
import {UbmgrError} from '../../ground/errors.js'
import {attr, child, el, elements, type XmlElement} from '../tree.js'
import {poolFromXml, poolToXml} from './ub-device.js'
import {hexAttr, intAttr, requireAttr} from './values.js'

export function fusionToXml(f: FusionDevice): XmlElement {
  const failback = typeof f.failback === 'string' ? {failback: f.failback} : {failback: 'after', seconds: f.failback.afterSeconds}
  return el('fusion-device', {name: f.name, kind: f.kind, mode: f.mode, transport: f.transport, queues: f.queues}, [
    el('policy', {queue: f.policy, ...failback}),
    f.mac && el('mac', {address: f.mac}),
    f.transport === 'pci' ? el('mdev', {uuid: f.mdevUuid}) : el('address', {eid: hexAttr(f.eid), guid: f.guid}),
    ...f.members.map((m) =>
      el(
        'member',
        {
          card: m.card !== m.host?.guid ? m.card : undefined,
          role: m.role,
          weight: f.policy === 'weighted' ? m.weight : undefined,
          queues: m.queues,
        },
        [m.host ? el('source', {guid: m.host.guid}) : m.pool && poolToXml(m.pool)],
      ),
    ),
  ])
}

export function fusionFromXml(e: XmlElement, file: string): FusionDeviceDef {
  const policy = child(e, 'policy') ?? el('policy')
  const mac = child(e, 'mac')
  const address = child(e, 'address')
  const mdev = child(e, 'mdev')
  const fb = attr(policy, 'failback') ?? 'immediate'
  let failback: Failback
  if (fb === 'after') failback = {afterSeconds: intAttr(policy, 'seconds', file) ?? 0}
  else if (fb === 'immediate' || fb === 'manual') failback = fb
  else throw new UbmgrError(`${file}: <policy failback='${fb}'> must be immediate, manual or after`)
  return {
    name: requireAttr(e, 'name', file),
    kind: requireAttr(e, 'kind', file) as FusionKind,
    mode: requireAttr(e, 'mode', file) as FusionMode,
    transport: attr(e, 'transport') as 'pci' | 'ub' | undefined,
    queues: intAttr(e, 'queues', file),
    policy: attr(policy, 'queue') as QueuePolicy | undefined,
    failback,
    eid: address ? intAttr(address, 'eid', file) : undefined,
    guid: address && attr(address, 'guid'),
    mdevUuid: mdev && attr(mdev, 'uuid'),
    mac: mac && attr(mac, 'address'),
    members: elements(e, 'member').map((m) => memberFromXml(m, file)),
  }
}

/** One <member>: a host slice (<source guid>) or a pool request, with its card, role, weight and queues. */
export function memberFromXml(m: XmlElement, file: string): FusionMemberDef {
  const source = child(m, 'source')
  const pool = child(m, 'pool')
  return {
    host: source && {guid: requireAttr(source, 'guid', file)},
    pool: pool && poolFromXml(pool, file),
    card: attr(m, 'card'),
    role: attr(m, 'role') as 'primary' | 'secondary' | undefined,
    weight: intAttr(m, 'weight', file),
    queues: intAttr(m, 'queues', file),
  }
}
