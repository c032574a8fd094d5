// <disk type='file'|'block'>: a file image or a host block device, by the source path.
import type {Disk} from '../../definition/normalize.js'
import type {DiskDef} from '../../definition/types.js'
import {attr, child, el, type XmlElement} from '../tree.js'

const isBlockDevice = (path: string | undefined) => path?.startsWith('/dev/') ?? false

export function diskToXml(d: Disk): XmlElement {
  const block = isBlockDevice(d.source)
  return el('disk', {type: block ? 'block' : 'file', device: d.device}, [
    el('driver', {name: 'qemu', type: d.format}),
    d.source !== undefined && el('source', block ? {dev: d.source} : {file: d.source}),
    el('target', {dev: d.target, bus: d.bus}),
    d.readonly && el('readonly'),
  ])
}

/** A disk ubmgr models, or undefined (kept verbatim) for network disks, volumes, etc. */
export function diskFromXml(e: XmlElement): DiskDef | undefined {
  const type = attr(e, 'type')
  const device = attr(e, 'device') ?? 'disk'
  const target = child(e, 'target')
  const source = child(e, 'source')
  const driver = child(e, 'driver')
  const format = driver && attr(driver, 'type')
  if ((type !== 'file' && type !== 'block') || (device !== 'disk' && device !== 'cdrom') || !target) return undefined
  if (format !== undefined && format !== 'qcow2' && format !== 'raw') return undefined
  const bus = attr(target, 'bus') ?? 'virtio'
  if (bus !== 'virtio' && bus !== 'scsi' && bus !== 'sata') return undefined
  const known = new Set(['driver', 'source', 'target', 'readonly'])
  if (e.children.some((c) => 'name' in c && !known.has(c.name))) return undefined
  const path = source && (attr(source, type === 'block' ? 'dev' : 'file'))
  return {
    target: attr(target, 'dev')!,
    device,
    source: path,
    format: format ?? 'raw',
    bus,
    readonly: child(e, 'readonly') !== undefined,
  }
}
