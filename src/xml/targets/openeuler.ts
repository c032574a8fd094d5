// Target openeuler: what openEuler's UB-aware libvirt takes, as ub-device-manager writes it (ub-stack.md
// §6.2), plus ubmgr's metadata for what that form cannot carry (names, USI, fusion layout, pool requests).
import type {UbVm} from '../../definition/normalize.js'
import {bareUmmuXml} from '../elements/iommu.js'
import {mdevHostdevElement, ubControllerElement, ubHostdevElement} from '../elements/openeuler.js'
import {fusionIsResolved, fusionLinks, resolvedDevices, sizeBytesHex} from '../layout.js'
import {ubmgrMetadata} from '../metadata.js'
import type {XmlElement} from '../tree.js'
import type {TargetParts} from './domain.js'
import {hexAttr} from '../elements/values.js'

export function openeulerParts(vm: UbVm, warnings: string[]): TargetParts {
  const ub = vm.ub
  if (!ub) return {devices: [], qemuArgs: []}
  const devices = resolvedDevices(ub)
  const hostdevs: XmlElement[] = devices.map((d, i) =>
    ubHostdevElement({hostGuid: d.host.guid, guestGuid: d.guestGuid, eid: d.eid, ports: d.ports, links: d.links, alias: `ub-${i}`}, ub),
  )
  const links = fusionLinks(ub)
  let alias = devices.length
  for (const f of ub.fusion) {
    if (!fusionIsResolved(f)) continue
    if (f.transport === 'pci') hostdevs.push(mdevHostdevElement(f.mdevUuid!, f.name))
    else hostdevs.push(ubHostdevElement({hostGuid: f.guid!, guestGuid: f.guid!, eid: f.eid!, ports: 1, links: links.get(f.name)!, alias: `ub-${alias++}`}, ub))
  }
  warnPending(vm, warnings)
  return {
    metadata: ubmgrMetadata(vm),
    iommufds: ub.ummu.iommufd,
    devices: [ubControllerElement(ub), ...hostdevs, bareUmmuXml()],
    qemuArgs: ub.ubmemVmmu ? ['-device', `ubmem_vmmu,tid=${hexAttr(ub.ubmemVmmu.tid)},uba=${ub.ubmemVmmu.uba},size=${sizeBytesHex(ub.ubmemVmmu.size)}`] : [],
  }
}

export function warnPending(vm: UbVm, warnings: string[]): void {
  for (const d of vm.ub?.devices ?? [])
    if (!d.host) warnings.push(`device ${d.name} is a pool request (${d.pool!.class}): kept in metadata, not passed through until the pool assigns a host device`)
  for (const f of vm.ub?.fusion ?? [])
    if (!fusionIsResolved(f)) warnings.push(`fusion device ${f.name} has pool-request members: kept in metadata, not passed through until the pool assigns them`)
}
