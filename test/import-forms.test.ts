// import reads every form the UB part has been written in: ubmgr's earlier openeuler form (<model
// name='ubc'/> child, alias, other child order) and its key=value QEMU arguments, ub-device-manager's
// XML without ubmgr's metadata, and QEMU arguments alone in either syntax. render writes the real form.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {normalize} from '../src/definition/index.js'
import type {UbVmDefinition} from '../src/definition/types.js'
import {importDomainXml, renderDomain} from '../src/xml/index.js'
import {goldenPath} from './examples.js'
import {repoRoot} from './helpers/cli.js'

const oldForm = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'old-forms', name), 'utf8')
const withoutHugepages = (d: UbVmDefinition) => {
  const {hugepages: _, ...rest} = d
  return rest
}

describe('ubmgr output of the earlier form (with metadata)', () => {
  for (const [example, target] of [['dpu-passthrough', 'openeuler'], ['dpu-passthrough', 'upstream'], ['cluster-ubmem', 'openeuler'], ['cluster-ubmem', 'upstream']] as const)
    it(`${example} ${target}: the derived elements and arguments are recognised, render writes the real form`, () => {
      const old = importDomainXml(oldForm(`${example}.${target}.xml`))
      expect(old.warnings).toEqual([])
      expect(old.target).toBe(target)
      expect(old.definition.libvirt).toBeUndefined()
      const current = importDomainXml(readFileSync(goldenPath(`${example}.yaml`, target), 'utf8'))
      expect(old.definition).toEqual(withoutHugepages(current.definition))
      const rendered = renderDomain(normalize({...old.definition, hugepages: true}), target).xml
      expect(rendered).toBe(readFileSync(goldenPath(`${example}.yaml`, target), 'utf8'))
    })

  it('an edited derived element is kept verbatim, with a warning', () => {
    const edited = readFileSync(goldenPath('dpu-passthrough.yaml', 'openeuler'), 'utf8').replace("<ports num='128'/>", "<ports num='64'/>")
    const r = importDomainXml(edited)
    expect(r.warnings).toEqual(["openEuler's UB elements or the QEMU arguments differ from what ubmgr derives from its metadata; kept verbatim"])
    expect(r.definition.libvirt?.devices?.some((d) => d.includes("<ports num='64'/>"))).toBe(true)
  })
})

describe('XML without ubmgr metadata', () => {
  // The shape ub-device-manager (vm_xml_builder.py) writes: model child, alias ub-N, ubmem_vmmu with decimal values.
  const udm = `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <qemu:commandline><qemu:arg value='-device'/><qemu:arg value='ubmem_vmmu,tid=11,uba=274877906944,size=1073741824'/></qemu:commandline>
  <name>npu-vm</name>
  <memory unit='KiB'>8388608</memory>
  <vcpu>4</vcpu>
  <os><type arch='aarch64' machine='virt'>hvm</type></os>
  <iommufds>1</iommufds>
  <devices>
    <controller type='ub' index='0'>
      <model name='ubc'/>
      <ports num='2'/>
      <alias name='ubc.0'/>
      <source><businstance guid='cc08-a000-0-0-000000-0000000000000042'/></source>
      <address type='ub' eid='0x1' guid='cc08-a000-0-2-000000-0000000000000042'/>
    </controller>
    <hostdev mode='subsystem' type='ub' managed='yes' iommufd='1'>
      <driver name='vfio'/>
      <source><address guid='cc08-d807-0-2-000000-0000000000000001'/></source>
      <address type='ub' eid='0x2' guid='cc08-d807-0-2-000000-0000000000000001'/>
      <alias name='ub-0'/>
      <ports num='1'><port index='0' teid='0x1' tport='0'/></ports>
    </hostdev>
    <iommu model='ummu'/>
  </devices>
</domain>
`
  it("ub-device-manager's form: the UB part, the pooled-memory window, names from the alias", () => {
    const r = importDomainXml(udm)
    expect(r.target).toBe('openeuler')
    expect(r.definition.ub).toEqual({
      busInstance: {guid: 'cc08-a000-0-0-000000-0000000000000042'},
      controller: {guid: 'cc08-a000-0-2-000000-0000000000000042', eid: 1, ports: 2},
      ummu: {nested: true, iommufd: true},
      ubmemVmmu: {tid: 11, uba: '0x4000000000', size: '1GiB'},
      devices: [{name: 'ub-0', host: {guid: 'cc08-d807-0-2-000000-0000000000000001'}, eid: 2, ports: 1, links: [{port: 0, controllerPort: 0}]}],
    })
    expect(r.definition.libvirt).toBeUndefined()
    const xml = renderDomain(normalize(r.definition), 'openeuler').xml
    expect(xml).toContain("<controller type='ub' index='1' model='ubc'>")
    expect(xml).not.toContain('<model ')
    expect(xml).toContain('{"driver":"ubmem_vmmu","tid":11,"uba":274877906944,"size":1073741824}')
  })

  const argsOnly = (values: string[]) => `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>args</name><memory>1048576</memory><os><type arch='aarch64'>hvm</type></os><devices/>
  <qemu:commandline>${values.map((v) => `<qemu:arg value='${v}'/>`).join('')}<qemu:arg value='-msg'/><qemu:arg value='timestamp=on'/></qemu:commandline>
</domain>`
  const expectedUb = {
    busInstance: {guid: 'cc08-a000-0-0-000000-0000000000000005'},
    controller: {guid: 'cc08-a000-0-2-000000-0000000000000005', eid: 1, ports: 16},
    ummu: {nested: true, iommufd: true},
    devices: [{name: 'ub-0', host: {guid: 'cc08-d802-0-1-000000-0000000000000009'}, eid: 3, ports: 1, links: [{port: 0, controllerPort: 4}]}],
  }

  it('QEMU arguments alone, JSON syntax (what openEuler libvirt writes)', () => {
    const r = importDomainXml(argsOnly([
      '-object', '{"qom-type":"iommufd","id":"iommufd1"}', '-machine', 'ummu=on', '-global', 'ub-ummu.nested=on',
      '-device', '{"driver":"ubc","id":"ubc.1","guid":"cc08-a000-0-2-000000-0000000000000005","eid":1,"portnum":16,"bus_instance_guid":"cc08-a000-0-0-000000-0000000000000005"}',
      '-device', '{"driver":"vfio-ub","host":"cc08-d802-0-1-000000-0000000000000009","id":"hostdev0","guid":"cc08-d802-0-1-000000-0000000000000009","eid":3,"portnum":1,"port0":"ubc.1:4","iommufd":"iommufd1"}',
    ]))
    expect(r.target).toBe('upstream')
    expect(r.definition.ub).toEqual(expectedUb)
    // Arguments that are not UB stay, in order.
    const kept = r.definition.libvirt?.domain ?? []
    expect(kept).toHaveLength(1)
    expect(kept[0]).toMatch(/<qemu:arg value='-msg'\/>\s*<qemu:arg value='timestamp=on'\/>\s*<\/qemu:commandline>$/)
    expect(kept[0]).not.toContain('ubc')
  })

  it('QEMU arguments alone, key=value syntax (what ubmgr wrote before)', () => {
    const r = importDomainXml(argsOnly([
      '-object', 'iommufd,id=iommufd0', '-machine', 'ummu=on', '-global', 'ub-ummu.nested=on',
      '-device', 'ubc,id=ubc.0,bus=ubus.0,eid=1,guid=cc08-a000-0-2-000000-0000000000000005,bus_instance_guid=cc08-a000-0-0-000000-0000000000000005,portnum=16',
      '-device', 'vfio-ub,id=ub-0,bus=ubus.0,host=cc08-d802-0-1-000000-0000000000000009,guid=cc08-d802-0-1-000000-0000000000000009,eid=3,portnum=1,port0=0:ubc.0:4,iommufd=iommufd0',
    ]))
    expect(r.definition.ub).toEqual(expectedUb)
  })

  it('a JSON value that is not one flat object is not taken for a UB device', () => {
    const r = importDomainXml(argsOnly(['-device', '{"driver":"ubc","x":{"y":1}}']))
    expect(r.definition.ub).toBeUndefined()
    expect(r.target).toBe('libvirt')
  })
})
