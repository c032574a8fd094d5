// Assemble a <domain>: the standard parts every target shares, the target's UB parts, and the libvirt
// XML kept verbatim from an import, each placed at libvirt's position for it.
import type {UbVm} from '../../definition/normalize.js'
import {diskToXml} from '../elements/disk.js'
import {interfaceToXml} from '../elements/interface.js'
import {memoryBackingToXml, memoryToXml, osToXml, vcpuToXml} from '../elements/os.js'
import {qemuCommandline} from '../elements/qemu-commandline.js'
import {QEMU_NS, QEMU_PREFIX} from '../namespaces.js'
import {DEVICE_ORDER, DOMAIN_ORDER, sortByOrder} from '../order.js'
import {parseXml} from '../parse.js'
import {el, isElement, leaf, type XmlElement, type XmlNode} from '../tree.js'

export interface TargetParts {
  /** ubmgr's metadata element, if the target carries the UB part there. */
  metadata?: XmlElement
  /** openEuler's <iommufds>1</iommufds>. */
  iommufds?: boolean
  /** The target's UB device elements, in the order they should appear within their kind. */
  devices: XmlElement[]
  qemuArgs: string[]
}

export function assembleDomain(vm: UbVm, parts: TargetParts): XmlElement {
  const extras = vm.libvirt.domain.map((x, i) => parseXml(x, `libvirt.domain[${i}]`))
  const extraDevices = vm.libvirt.devices.map((x, i) => parseXml(x, `libvirt.devices[${i}]`))
  const extraMetadata = extras.find((e) => e.name === 'metadata')
  const extraQemu = extras.find((e) => e.name === `${QEMU_PREFIX}commandline`)
  const rest = extras.filter((e) => e !== extraMetadata && e !== extraQemu)

  const metadataChildren: XmlNode[] = [...(parts.metadata ? [parts.metadata] : []), ...(extraMetadata?.children ?? [])]
  const qemuChildren: XmlNode[] = [...qemuCommandline(parts.qemuArgs).children, ...(extraQemu?.children ?? [])]
  const devices = sortByOrder(
    [...vm.disks.map(diskToXml), ...vm.interfaces.map(interfaceToXml), ...parts.devices, ...extraDevices],
    (e) => e.name,
    DEVICE_ORDER,
  )
  const children = sortByOrder(
    [
      leaf('name', vm.name),
      vm.uuid !== undefined && leaf('uuid', vm.uuid),
      vm.title !== undefined && leaf('title', vm.title),
      vm.description !== undefined && leaf('description', vm.description),
      metadataChildren.length > 0 && el('metadata', {}, metadataChildren),
      memoryToXml(vm),
      memoryBackingToXml(vm),
      vcpuToXml(vm),
      osToXml(vm),
      parts.iommufds && leaf('iommufds', 1),
      el('devices', {}, devices),
      qemuChildren.length > 0 && el(`${QEMU_PREFIX}commandline`, {}, qemuChildren),
      ...rest,
    ].filter((e): e is XmlElement => Boolean(e)),
    (e) => e.name,
    DOMAIN_ORDER,
  )
  const usesQemu = children.some((c) => usesPrefix(c, QEMU_PREFIX))
  return el('domain', {type: vm.type, 'xmlns:qemu': usesQemu ? QEMU_NS : undefined}, children)
}

function usesPrefix(e: XmlElement, prefix: string): boolean {
  return e.name.startsWith(prefix) || e.children.some((c) => isElement(c) && usesPrefix(c, prefix))
}
