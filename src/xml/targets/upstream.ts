// Target upstream: XML stock libvirt (≥ 9.0) accepts with `define --validate`. The UB part lives in ONE
// element of ubmgr's namespace in <metadata>; what QEMU needs goes in <qemu:commandline>. The QEMU
// arguments follow ub-stack.md §6.3, which is [INF]: derived from the QEMU device properties, not from
// a libvirt that emits them. Stock QEMU rejects these devices at start; openEuler's UB QEMU is needed.
import type {UbVm} from '../../definition/normalize.js'
import {fusionIsResolved, fusionLinks, resolvedDevices, sizeBytesHex} from '../layout.js'
import {ubmgrMetadata} from '../metadata.js'
import type {TargetParts} from './domain.js'
import {warnPending} from './openeuler.js'
import {hexAttr} from '../elements/values.js'

const port = (links: Array<{port: number; controllerPort: number}>) => links.map((l) => `port${l.port}=${l.port}:ubc.0:${l.controllerPort}`).join(',')

export function upstreamParts(vm: UbVm, warnings: string[]): TargetParts {
  const ub = vm.ub
  if (!ub) return {devices: [], qemuArgs: []}
  const iommufd = ub.ummu.iommufd ? ',iommufd=iommufd0' : ''
  const args: string[] = []
  if (ub.ummu.iommufd) args.push('-object', 'iommufd,id=iommufd0')
  // [INF] machine properties of openEuler's virt machine (ub-stack.md §4.3); QEMU merges -machine options.
  args.push('-machine', `ummu=on${ub.busInstance.type.endsWith('cluster') ? ',ub-cluster-mode=on' : ''}`)
  if (ub.ummu.nested) args.push('-global', 'ub-ummu.nested=on')
  args.push('-device', `ubc,id=ubc.0,bus=ubus.0,eid=${ub.controller.eid},guid=${ub.controller.guid},bus_instance_guid=${ub.busInstance.guid},portnum=${ub.controller.ports}`)
  const devices = resolvedDevices(ub)
  devices.forEach((d, i) =>
    args.push('-device', `vfio-ub,id=ub-${i},bus=ubus.0,host=${d.host.guid},guid=${d.guestGuid},eid=${d.eid},portnum=${d.ports},${port(d.links)}${iommufd}`),
  )
  const links = fusionLinks(ub)
  let id = devices.length
  for (const f of ub.fusion) {
    if (!fusionIsResolved(f)) continue
    if (f.transport === 'pci') args.push('-device', `vfio-pci,id=fusion-${f.name},sysfsdev=/sys/bus/mdev/devices/${f.mdevUuid}`)
    else args.push('-device', `vfio-ub,id=ub-${id++},bus=ubus.0,host=${f.guid},guid=${f.guid},eid=${f.eid},portnum=1,${port(links.get(f.name)!)}${iommufd}`)
  }
  if (ub.ubmemVmmu) args.push('-device', `ubmem_vmmu,tid=${hexAttr(ub.ubmemVmmu.tid)},uba=${ub.ubmemVmmu.uba},size=${sizeBytesHex(ub.ubmemVmmu.size)}`)
  warnPending(vm, warnings)
  return {metadata: ubmgrMetadata(vm), devices: [], qemuArgs: args}
}
