// <os>: firmware autoselection and boot order. <memory>/<vcpu> sit beside it in the domain.
import type {BootDef} from '../../definition/types.js'
import type {UbVm} from '../../definition/normalize.js'
import {kibToSize} from '../../definition/units.js'
import {UbmgrError} from '../../ground/errors.js'
import {attr, child, el, elements, leaf, textOf, type XmlElement} from '../tree.js'

export function osToXml(vm: UbVm): XmlElement {
  return el('os', {firmware: vm.boot.firmware === 'efi' ? 'efi' : undefined}, [
    leaf('type', 'hvm', {arch: vm.arch, machine: vm.machine}),
    ...vm.boot.order.map((dev) => el('boot', {dev})),
  ])
}

export function osFromXml(os: XmlElement | undefined): {arch?: string; machine?: string; boot: BootDef} {
  const type = os && child(os, 'type')
  const order = os ? elements(os, 'boot').map((b) => attr(b, 'dev') as 'hd' | 'network' | 'cdrom') : []
  return {
    arch: type && attr(type, 'arch'),
    machine: type && attr(type, 'machine'),
    boot: {firmware: os && attr(os, 'firmware') === 'efi' ? 'efi' : 'bios', order: order.length > 0 ? order : ['hd']},
  }
}

export const memoryToXml = (vm: UbVm): XmlElement => leaf('memory', vm.memoryKiB.toString(), {unit: 'KiB'})
/** hugepages: true → <memoryBacking><hugepages/></memoryBacking> (host default page size). */
export const memoryBackingToXml = (vm: UbVm): XmlElement | undefined => (vm.hugepages ? el('memoryBacking', {}, [el('hugepages')]) : undefined)

/** true when <memoryBacking> holds exactly <hugepages/>, which is what the hugepages field means. */
export const isPlainHugepages = (e: XmlElement): boolean =>
  e.name === 'memoryBacking' && e.attrs.length === 0 && elements(e).length === 1 && elements(e)[0].name === 'hugepages' && elements(e)[0].attrs.length === 0 && elements(elements(e)[0]).length === 0

export const vcpuToXml = (vm: UbVm): XmlElement => leaf('vcpu', vm.vcpus, {placement: 'static'})

/** libvirt's scaled integers (virScaleInteger): bytes and k/KiB … with 1000- or 1024-based units. */
const UNIT_BYTES: Record<string, bigint> = {
  b: 1n, bytes: 1n, k: 1024n, kib: 1024n, kb: 1000n, m: 1024n ** 2n, mib: 1024n ** 2n, mb: 1000n ** 2n,
  g: 1024n ** 3n, gib: 1024n ** 3n, gb: 1000n ** 3n, t: 1024n ** 4n, tib: 1024n ** 4n, tb: 1000n ** 4n,
}

export function memoryFromXml(memory: XmlElement | undefined, file: string): string {
  const value = textOf(memory)?.trim()
  if (!memory || !value || !/^[0-9]+$/.test(value)) throw new UbmgrError(`${file}: <memory> is missing or not a number`)
  const unit = (attr(memory, 'unit') ?? 'KiB').toLowerCase()
  const factor = UNIT_BYTES[unit]
  if (!factor) throw new UbmgrError(`${file}: <memory unit='${attr(memory, 'unit')}'> is not a unit libvirt knows`)
  const bytes = BigInt(value) * factor
  if (bytes % 1024n !== 0n || bytes === 0n) throw new UbmgrError(`${file}: <memory> must be a positive whole number of KiB`)
  return kibToSize(bytes / 1024n)
}
