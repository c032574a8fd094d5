// Target ubmgr: standard libvirt XML plus ubmgr's own device elements — the full model, readable, and
// checked by schemas/ubmgr-domain.rng (libvirt's schema extended with these elements).
import type {UbVm} from '../../definition/normalize.js'
import {fusionToXml} from '../elements/fusion-device.js'
import {ummuToXml} from '../elements/iommu.js'
import {ubControllerToXml} from '../elements/ub-controller.js'
import {ubDeviceToXml} from '../elements/ub-device.js'
import type {TargetParts} from './domain.js'

export function ubmgrParts(vm: UbVm): TargetParts {
  const ub = vm.ub
  if (!ub) return {devices: [], qemuArgs: []}
  return {
    devices: [ubControllerToXml(ub), ...ub.devices.map((d) => ubDeviceToXml(d, ub)), ...ub.fusion.map(fusionToXml), ummuToXml(ub)],
    qemuArgs: [],
  }
}
