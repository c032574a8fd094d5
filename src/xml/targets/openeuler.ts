// Target openeuler: openEuler libvirt's UB grammar (elements/openeuler.ts), plus ubmgr's metadata for
// what that form cannot carry (names, USI, fusion layout, pool requests). libvirt has no element for
// the pooled-memory window; like ub-device-manager, ubmgr passes ubmem_vmmu in <qemu:commandline>.
import type {UbVm} from '../../definition/normalize.js'
import {bareUmmuXml} from '../elements/iommu.js'
import {mdevHostdevElement, ubControllerElement, ubHostdevElement} from '../elements/openeuler.js'
import {qemuJson} from '../elements/qemu-device.js'
import {ubmemVmmuProps} from '../elements/qemu-ub.js'
import {fusionIsResolved, fusionLinks, resolvedDevices} from '../layout.js'
import {ubmgrMetadata} from '../metadata.js'
import type {XmlElement} from '../tree.js'
import type {TargetParts} from './domain.js'

export function openeulerParts(vm: UbVm, warnings: string[]): TargetParts {
  const ub = vm.ub
  if (!ub) return {devices: [], qemuArgs: []}
  const hostdevs: XmlElement[] = resolvedDevices(ub).map((d) =>
    ubHostdevElement({hostGuid: d.host.guid, guestGuid: d.guestGuid, eid: d.eid, ports: d.ports, links: d.links}, ub),
  )
  const links = fusionLinks(ub)
  for (const f of ub.fusion) {
    if (!fusionIsResolved(f)) continue
    if (f.transport === 'pci') hostdevs.push(mdevHostdevElement(f.mdevUuid!, f.name))
    else hostdevs.push(ubHostdevElement({hostGuid: f.guid!, guestGuid: f.guid!, eid: f.eid!, ports: 1, links: links.get(f.name)!}, ub))
  }
  warnPending(vm, warnings)
  return {
    metadata: ubmgrMetadata(vm),
    iommufds: ub.ummu.iommufd,
    devices: [ubControllerElement(ub), ...hostdevs, bareUmmuXml()],
    qemuArgs: ub.ubmemVmmu ? ['-device', qemuJson(ubmemVmmuProps(ub.ubmemVmmu))] : [],
  }
}

export function warnPending(vm: UbVm, warnings: string[]): void {
  for (const d of vm.ub?.devices ?? [])
    if (!d.host) warnings.push(`device ${d.name} is a pool request (${d.pool!.class}): kept in metadata, not passed through until the pool assigns a host device`)
  for (const f of vm.ub?.fusion ?? [])
    if (!fusionIsResolved(f)) warnings.push(`fusion device ${f.name} has pool-request members: kept in metadata, not passed through until the pool assigns them`)
}
