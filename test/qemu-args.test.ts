// The upstream target's <qemu:commandline> against what openEuler libvirt generates for the openeuler
// form. The expected arguments are derived here from each openeuler golden by the rules read in
// openEuler libvirt's fixtures (tests/qemuxml2argvdata/ub-*.args, iommu-ummu*.args), written out
// independently of src/: <iommufds>N → iommufd1..N objects; <iommu model='ummu'/> → ummu=on on
// -machine; <controller type='ub' index='I'> → ubc id ubc.I with guid, eid, portnum; each
// <hostdev type='ub'> → vfio-ub id hostdevN with host, guid, eid, portnum, port0 "ubc.I:tport",
// iommufd. Where the fixtures are silent (bus_instance_guid, nested UMMU, cluster mode, fusion
// mdevs, ubmem_vmmu) the derivation states ubmgr's inferred mapping.
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {normalize} from '../src/definition/index.js'
import {parseXml, renderDomain} from '../src/xml/index.js'
import {attr, child, elements, textOf, type XmlElement} from '../src/xml/tree.js'
import {exampleFiles, goldenPath} from './examples.js'

const num = (hex: string | undefined) => parseInt(hex ?? '', 16)
const one = (e: XmlElement, ...path: string[]): XmlElement => path.reduce((x, n) => child(x, n)!, e)

function argsOf(domain: XmlElement): string[] {
  const cmd = child(domain, 'qemu:commandline')
  return cmd ? elements(cmd, 'qemu:arg').map((a) => attr(a, 'value')!) : []
}

/** What openEuler libvirt (plus ubmgr's inferred extras) passes to QEMU for an openeuler-form domain. */
function impliedArgs(oe: XmlElement): string[] {
  const devices = one(oe, 'devices')
  const meta = one(oe, 'metadata', 'ubmgr:ubvm')
  const out: string[] = []
  const iommufds = Number(textOf(child(oe, 'iommufds')) ?? '0')
  for (let i = 1; i <= iommufds; i++) out.push('-object', JSON.stringify({'qom-type': 'iommufd', id: `iommufd${i}`}))
  const cluster = attr(one(meta, 'ubmgr:ub-controller', 'ubmgr:bus-instance'), 'type')!.endsWith('cluster')
  if (elements(devices, 'iommu').some((e) => attr(e, 'model') === 'ummu')) out.push('-machine', cluster ? 'ummu=on,ub-cluster-mode=on' : 'ummu=on')
  if (attr(one(meta, 'ubmgr:iommu', 'ubmgr:driver'), 'nested') === 'on') out.push('-global', 'ub-ummu.nested=on')
  const ctrl = elements(devices, 'controller').find((c) => attr(c, 'type') === 'ub')!
  const ubc = `ubc.${attr(ctrl, 'index')}`
  out.push('-device', JSON.stringify({
    driver: 'ubc', id: ubc, guid: attr(one(ctrl, 'address'), 'guid'), eid: num(attr(one(ctrl, 'address'), 'eid')), portnum: Number(attr(one(ctrl, 'ports'), 'num')),
    bus_instance_guid: attr(one(ctrl, 'source', 'businstance'), 'guid'),
  }))
  let n = 0
  for (const h of elements(devices, 'hostdev')) {
    if (attr(h, 'type') === 'mdev') {
      out.push('-device', JSON.stringify({driver: 'vfio-pci', id: attr(one(h, 'alias'), 'name'), sysfsdev: `/sys/bus/mdev/devices/${attr(one(h, 'source', 'address'), 'uuid')}`}))
      continue
    }
    const port = child(one(h, 'ports'), 'port')
    const props: Record<string, unknown> = {
      driver: 'vfio-ub', host: attr(one(h, 'source', 'address'), 'guid'), id: `hostdev${n++}`, guid: attr(one(h, 'address'), 'guid'),
      eid: num(attr(one(h, 'address'), 'eid')), portnum: Number(attr(one(h, 'ports'), 'num')),
    }
    if (port) props[`port${attr(port, 'index')}`] = `${ubc}:${attr(port, 'tport')}`
    if (attr(h, 'iommufd')) props.iommufd = `iommufd${attr(h, 'iommufd')}`
    out.push('-device', JSON.stringify(props))
  }
  return [...out, ...argsOf(oe)]
}

describe('upstream QEMU arguments = what the openeuler form implies', () => {
  for (const example of exampleFiles.filter((e) => e !== 'multi-device.yaml'))
    it(example, () => {
      const oe = parseXml(readFileSync(goldenPath(example, 'openeuler'), 'utf8'))
      const up = parseXml(readFileSync(goldenPath(example, 'upstream'), 'utf8'))
      expect(argsOf(up)).toEqual(impliedArgs(oe))
    })
})

describe('the JSON form, value by value', () => {
  // The shape of openEuler libvirt's ub-hostdev-many fixture: idevices (type 2), ports 16, EIDs from 3.
  const vm = normalize({
    name: 'many', vcpus: 1, memory: '1GiB', hugepages: true,
    ub: {
      busInstance: {guid: 'cc08-a000-0-0-000000-0000000000000000'}, controller: {ports: 16},
      devices: [1, 2].map((i) => ({name: `d${i}`, host: {guid: `cc08-a000-0-2-000000-000000000000000${i}`}, eid: i + 2})),
      ubmemVmmu: {tid: 64, uba: '0xfffffffffffff000', size: '4KiB'},
    },
  })
  const args = argsOf(parseXml(renderDomain(vm, 'upstream').xml))

  it('objects and devices as libvirt writes them: ids ubc.1 and hostdevN, port0 "ubc.1:T", EIDs as integers', () => {
    expect(args).toContain('{"qom-type":"iommufd","id":"iommufd1"}')
    expect(args).toContain('{"driver":"ubc","id":"ubc.1","guid":"cc08-a000-0-2-000000-0000000000000000","eid":1,"portnum":16,"bus_instance_guid":"cc08-a000-0-0-000000-0000000000000000"}')
    expect(args).toContain('{"driver":"vfio-ub","host":"cc08-a000-0-2-000000-0000000000000001","id":"hostdev0","guid":"cc08-a000-0-2-000000-0000000000000001","eid":3,"portnum":1,"port0":"ubc.1:0","iommufd":"iommufd1"}')
    expect(args).toContain('{"driver":"vfio-ub","host":"cc08-a000-0-2-000000-0000000000000002","id":"hostdev1","guid":"cc08-a000-0-2-000000-0000000000000002","eid":4,"portnum":1,"port0":"ubc.1:1","iommufd":"iommufd1"}')
  })

  it('64-bit values stay exact (a UB address near 2^64)', () => {
    expect(args).toContain('{"driver":"ubmem_vmmu","tid":64,"uba":18446744073709547520,"size":4096}')
  })

  it('every -device value is one JSON object whose properties are exactly the typed values', () => {
    for (let i = 0; i < args.length; i += 2)
      if (args[i] === '-device' || args[i] === '-object') expect(typeof JSON.parse(args[i + 1])).toBe('object')
  })
})
