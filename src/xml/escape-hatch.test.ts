// The libvirt: escape hatch as validate checks it: every refusal with its exact line, the qemu opt-in and
// its warning, and what stays allowed.
import {describe, expect, it} from 'vitest'

import {formatProblem, isError} from '../ground/problem.js'
import {validateDefinition} from './validate.js'

const QEMU = "xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"
const UB = {busInstance: {guid: 'cc08-a000-0-0-000000-0000000000000101'}, devices: [{name: 'dpu0', host: {guid: 'cc08-d802-0-1-000000-00000000000a0001'}}]}

async function check(libvirt: Record<string, unknown>, ub = false): Promise<{problems: string[]; warnings: string[]}> {
  const def = {name: 'esc', vcpus: 1, memory: '1GiB', ...(ub ? {ub: UB} : {}), libvirt}
  const all = await validateDefinition(def, {file: 'vm.yaml'})
  const line = (p: Parameters<typeof formatProblem>[0]) => formatProblem({...p, line: 0}).replace(/^vm\.yaml: /, '')
  return {problems: all.filter(isError).map(line), warnings: all.filter((p) => !isError(p)).map(line)}
}

const domain = (...entries: string[]) => ({domain: entries})
const devices = (...entries: string[]) => ({devices: entries})

describe('libvirt: escape hatch', () => {
  const refused: Array<[string, Record<string, unknown>, string, boolean?]> = [
    ['a DTD', domain('<!DOCTYPE x [<!ENTITY e "y">]><clock/>'), '/libvirt/domain/0: DTD and entity declarations are not accepted (<!DOCTYPE>) (line 1, column 1 of the entry)'],
    ['plain text', domain('not xml at all'), "/libvirt/domain/0: malformed XML: char 'n' is not expected. (line 1, column 1 of the entry)"],
    ['malformed XML', domain('<clock>'), "/libvirt/domain/0: malformed XML: Unclosed tag 'clock'. (line 1, column 1 of the entry)"],
    ['two elements in one entry', domain("<clock offset='utc'/><on_crash>destroy</on_crash>"), '/libvirt/domain/0: holds 2 elements; each entry holds exactly one element (split it into 2 entries)'],
    ['a second <name>', domain('<name>other</name>'), '/libvirt/domain/0: <name> is rendered by ubmgr; set name in the definition instead'],
    ['a second <devices>', domain('<devices><disk/></devices>'), '/libvirt/domain/0: <devices> is rendered by ubmgr; set disks, interfaces, ub and libvirt.devices in the definition instead'],
    ['<memory>', domain("<memory unit='KiB'>1</memory>"), '/libvirt/domain/0: <memory> is rendered by ubmgr; set memory in the definition instead'],
    ['<iommufds>', domain('<iommufds>1</iommufds>'), '/libvirt/domain/0: <iommufds> is rendered by ubmgr; set ub.ummu.iommufd in the definition instead'],
    ['an element twice', domain("<clock offset='utc'/>", "<clock offset='localtime'/>"), '/libvirt/domain/1: a second <clock>: libvirt.domain[0] has one already, and libvirt takes one'],
    ['an unknown domain element', domain('<foo/>'), "/libvirt/domain/0: <foo> is not an element of libvirt's <domain>"],
    ["ubmgr's metadata", domain("<metadata><u:ubvm xmlns:u='urn:ubmgr:ubvm:1'/></metadata>"), "/libvirt/domain/0: <metadata> holds an element in ubmgr's namespace (urn:ubmgr:ubvm:1); ubmgr writes that one itself"],
    ['<ub-device>', devices("<ub-device name='x'/>"), "/libvirt/devices/0: <ub-device> is ubmgr's own element; describe the device under ub: instead"],
    ["<controller type='ub'>", devices("<controller type='ub' index='0'/>"), "/libvirt/devices/0: <controller type='ub'> is rendered by ubmgr from ub: (busInstance and controller)"],
    [
      "a raw <hostdev type='ub'>",
      devices("<hostdev mode='subsystem' type='ub' managed='yes'><source><address guid='cc08-d802-0-1-000000-00000000000a0001'/></source></hostdev>"),
      "/libvirt/devices/0: a raw <hostdev type='ub'> would bypass ubmgr's checks (GUID uniqueness, the bus-instance lock); put the device in ub.devices",
    ],
    ["<iommu model='ummu'>", devices("<iommu model='ummu'/>"), "/libvirt/devices/0: <iommu model='ummu'> clashes with the UMMU ubmgr renders for ub: (libvirt takes one <iommu>)"],
    ['another <iommu> beside ub:', devices("<iommu model='smmuv3'/>"), "/libvirt/devices/0: <iommu model='smmuv3'> clashes with the UMMU ubmgr renders for ub: (libvirt takes one <iommu>)", true],
    ["an alias of ubmgr's", devices("<console type='pty'><alias name='ubc.0'/></console>"), "/libvirt/devices/0: <alias name='ubc.0'> is an alias ubmgr gives its own devices"],
    ['a qemu: element in devices', devices(`<qemu:commandline ${QEMU}/>`), '/libvirt/devices/0: <qemu:commandline> belongs to the domain, not to <devices>: move it to libvirt.domain'],
    ['<qemu:commandline> without the opt-in', domain(`<qemu:commandline ${QEMU}><qemu:arg value='-S'/></qemu:commandline>`), '/libvirt/domain/0: <qemu:commandline> reaches QEMU unchecked; set libvirt.allowQemu: true to allow QEMU pass-through'],
    [
      'LD_PRELOAD without the opt-in',
      domain(`<qemu:commandline ${QEMU}><qemu:env name='LD_PRELOAD' value='/tmp/x.so'/></qemu:commandline>`),
      "/libvirt/domain/0: <qemu:env name='LD_PRELOAD'> loads code into QEMU; set libvirt.allowQemu: true to allow QEMU pass-through",
    ],
    ['a qemu: prefix in another namespace', {allowQemu: true, domain: ["<qemu:commandline xmlns:qemu='http://evil/'/>"]}, "/libvirt/domain/0: declares xmlns:qemu='http://evil/'; libvirt reads only http://libvirt.org/schemas/domain/qemu/1.0 and silently drops anything else"],
    [
      "qemu:override of ubmgr's device, even allowed",
      {allowQemu: true, domain: [`<qemu:override ${QEMU}><qemu:device alias='ub-dpu0'><qemu:frontend><qemu:property name='host' type='string' value='x'/></qemu:frontend></qemu:device></qemu:override>`]},
      "/libvirt/domain/0: <qemu:device alias='ub-dpu0'> overrides one of ubmgr's own devices; change ub: in the definition instead",
      true,
    ],
    [
      'a QEMU argument adding a UB device, even allowed',
      {allowQemu: true, domain: [`<qemu:commandline ${QEMU}><qemu:arg value='-device'/><qemu:arg value='vfio-ub,host=cc08-d802-0-1-000000-00000000000b0001'/></qemu:commandline>`]},
      "/libvirt/domain/0: <qemu:arg value='vfio-ub,host=cc08-d802-0-1-000000-00000000000b0001'> touches ubmgr's own UB devices (vfio-ub); they come from ub: and cannot be overridden",
    ],
    [
      "-set on ubmgr's device id, even allowed",
      {allowQemu: true, domain: [`<qemu:commandline ${QEMU}><qemu:arg value='-set'/><qemu:arg value='device.ub-0.host=x'/></qemu:commandline>`]},
      "/libvirt/domain/0: <qemu:arg value='device.ub-0.host=x'> touches ubmgr's own UB devices (ub-0); they come from ub: and cannot be overridden",
      true,
    ],
  ]
  for (const [what, libvirt, line, ub] of refused)
    it(`refuses ${what}`, async () => {
      expect((await check(libvirt, ub)).problems).toEqual([line])
    })

  it('allows QEMU pass-through with the opt-in, and warns for each element', async () => {
    const r = await check({allowQemu: true, domain: [`<qemu:commandline ${QEMU}><qemu:env name='LD_PRELOAD' value='/tmp/x.so'/><qemu:arg value='-S'/></qemu:commandline>`]})
    expect(r).toEqual({problems: [], warnings: ['warning: /libvirt/domain/0: QEMU pass-through: <qemu:commandline> in libvirt.domain[0] reaches QEMU unchecked (it sets LD_PRELOAD)']})
  })

  it('an opt-in nothing uses is a warning, not a problem', async () => {
    expect(await check({allowQemu: true})).toEqual({problems: [], warnings: ['warning: /libvirt/allowQemu: QEMU pass-through is allowed, but no qemu: element uses it']})
  })

  it('keeps what libvirt has and ubmgr does not model', async () => {
    const r = await check({
      domain: ["<clock offset='utc'/>", "<features><gic version='3'/></features>", "<seclabel type='none'/>", "<seclabel type='dynamic' model='dac'/>", "<metadata><app:x xmlns:app='urn:app'/></metadata>"],
      devices: ["<console type='pty'/>", "<disk type='network' device='disk'><source protocol='rbd' name='pool/img'/><target dev='vdb' bus='virtio'/></disk>", "<iommu model='smmuv3'/>"],
    })
    expect(r).toEqual({problems: [], warnings: []})
  })
})
