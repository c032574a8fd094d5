// ubmgr's metadata element: the whole UB part of the VM in ubmgr's namespace, the same elements the
// ubmgr target puts in <devices>, prefixed. libvirt keeps it through define/dumpxml on every driver.
import type {UbVm} from '../definition/normalize.js'
import {fusionToXml} from './elements/fusion-device.js'
import {ummuToXml} from './elements/iommu.js'
import {ubControllerToXml} from './elements/ub-controller.js'
import {ubDeviceToXml} from './elements/ub-device.js'
import {UBMGR_NS, UBMGR_PREFIX} from './namespaces.js'
import {el, prefixed, type XmlElement} from './tree.js'

export const METADATA_ROOT = `${UBMGR_PREFIX}ubvm`

export function ubmgrMetadata(vm: UbVm): XmlElement | undefined {
  const ub = vm.ub
  if (!ub) return undefined
  const parts = [ubControllerToXml(ub), ummuToXml(ub), ...ub.devices.map((d) => ubDeviceToXml(d, ub)), ...ub.fusion.map(fusionToXml)]
  return el(METADATA_ROOT, {[`xmlns:${UBMGR_PREFIX.slice(0, -1)}`]: UBMGR_NS, version: 1}, parts.map((p) => prefixed(p, UBMGR_PREFIX)))
}
