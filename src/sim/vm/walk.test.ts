// The boot walk: every example on the default host, each failure path with the stack's message, hot-plug,
// unplug, Entity Level Reset, teardown, determinism, and the components against reference values.
import {readdirSync} from 'node:fs'
import {beforeAll, describe, expect, it} from 'vitest'

import {loadAndValidate, normalize, type UbVm} from '../../definition/index.js'
import type {UbVmDefinition} from '../../definition/types.js'
import {loadHost} from '../host/index.js'
import type {HostState} from '../host/model.js'
import {CFG, readDword, read64, readGuid} from './cfgspace.js'
import {bootVm, hotplugDevice, resetDevice, teardownVm, unplugDevice} from './index.js'
import {dmaCheck} from './ummu.js'

let host: HostState
beforeAll(async () => {
  host = await loadHost()
})

const base: UbVmDefinition = {
  name: 'walk-vm',
  vcpus: 2,
  memory: '4GiB',
  ub: {
    busInstance: {guid: 'cc08-a000-0-0-000000-0000000000000101'},
    devices: [{name: 'dpu0', host: {guid: 'cc08-d802-0-1-000000-0000000000655361'}, usi: {vectors: 8}}],
  },
}
const vmOf = (patch: (d: UbVmDefinition) => void): UbVm => {
  const d = structuredClone(base)
  patch(d)
  return normalize(d)
}

describe('reference values', () => {
  it('config space offsets from ub_config.h', () => {
    expect(CFG.CFG0_GUID).toBe(0x38)
    expect(CFG.CFG0_PRIMARY_CNA).toBe(0x68)
    expect(CFG.CFG0_UEID_LOW).toBe(0x9c)
    expect(CFG.CFG1_ERS_UBBA).toBe(0x40058)
    expect(CFG.CFG1_TOKEN_ID).toBe(0x400b4)
    expect(CFG.CFG1_BUS_ACCESS_EN).toBe(0x400b8)
    expect(CFG.CFG1_RS_ACCESS_EN).toBe(0x400bc)
    expect(CFG.INT2_ENABLE).toBe(0x41028)
  })
})

describe('boot walk', () => {
  for (const file of readdirSync('examples').filter((f) => f.endsWith('.yaml')))
    it(`${file} boots on the default host`, async () => {
      const {vm} = await loadAndValidate(`examples/${file}`)
      // pool requests are the pool's job (src/pool); here they get pooled entities of their class by hand
      const spare = (cls: string) => host.entities.find((e) => e.pool?.class === cls && e.pool.slice === 'vfe' && !vm.ub!.devices.some((d) => d.host?.guid === e.guid))!.guid
      for (const d of vm.ub?.devices ?? []) if (d.pool) d.host = {guid: spare(d.pool.class)}
      const r = bootVm(vm, host)
      expect(r.ok, r.ok ? '' : JSON.stringify(r.error)).toBe(true)
      if (!r.ok) return
      // UB devices, and fusion devices whose UB device model joins the guest's bus
      const expected = vm.ub!.devices.length + vm.ub!.fusion.filter((f) => f.transport === 'ub').length
      expect(r.guest.devices.filter((d) => d.ready)).toHaveLength(expected)
      const phases = [...new Set(r.events.map((e) => e.phase))]
      if (expected > 0)
        expect(phases).toEqual(['libvirt prepare', 'qemu realize', 'firmware', 'guest ubfi', 'guest ummu init', 'guest msgq init', 'guest topology scan', 'guest config'])
      // times only grow
      expect(r.events.every((e, i) => i === 0 || e.t_us >= r.events[i - 1].t_us)).toBe(true)
      // the input host is untouched; the returned one has the devices on vfio-ub
      expect(host.entities.some((e) => e.driver === 'vfio-ub')).toBe(false)
      for (const d of r.guest.devices.filter((x) => x.hostUent >= 0)) expect(r.host.entities[d.hostUent - 1].driver).toBe('vfio-ub')
    })

  it('programs the config space at the real offsets', () => {
    const r = bootVm(vmOf(() => {}), host)
    if (!r.ok) throw new Error(r.error.message)
    const d = r.guest.devices[0]
    expect(readGuid(d.cfg)).toBe(d.guestGuid) // 4 dwords from CFG0 0x38
    expect(readDword(d.cfg, CFG.CFG0_GUID)).toBe(0xcc08d802)
    expect(readDword(d.cfg, CFG.CFG0_EID)).toBe(d.eid)
    expect(readDword(d.cfg, CFG.CFG0_UEID_LOW)).toBe(r.guest.busInstance.eid)
    expect(readDword(d.cfg, CFG.CFG1_TOKEN_ID)).toBe(d.tid)
    expect(readDword(d.cfg, CFG.CFG1_BUS_ACCESS_EN)).toBe(1)
    expect(readDword(d.cfg, CFG.CFG1_RS_ACCESS_EN)).toBe(1)
    expect(read64(d.cfg, CFG.CFG1_ERS_UBBA)).toBe(BigInt(d.ubba[0]))
    expect(readDword(d.cfg, CFG.CFG0_PORT_UE) >> 16).toBe(1) // "Only FE0 is supported in VM"
    expect(r.events.find((e) => e.action === 'UB_CFG1_WRITE' && e.detail.includes('0x400b4'))).toBeDefined()
    expect(d.usi.routes).toHaveLength(8)
  })

  it('the DMA check walks KV → TECT → TCT and faults with the real event types', () => {
    const r = bootVm(vmOf(() => {}), host)
    if (!r.ok) throw new Error(r.error.message)
    const d = r.guest.devices[0]
    const u = r.guest.ummu
    expect(dmaCheck(u, d.ueid, d.tid, 0x100000000n, true)).toMatchObject({ok: true, stMode: 7})
    expect(dmaCheck(u, d.ueid + 1, d.tid, 0x100000000n, true)).toEqual({ok: false, event: 'BAD_DSTEID', code: 2})
    expect(dmaCheck(u, d.ueid, d.tid + 100, 0x100000000n, true)).toEqual({ok: false, event: 'BAD_TCT', code: 8})
    expect(dmaCheck(u, d.ueid, d.tid, 0x0n, false)).toEqual({ok: false, event: 'A_TRANSLATION', code: 10})
  })

  it('is deterministic for a seed', () => {
    const vm = vmOf(() => {})
    expect(bootVm(vm, host, {seed: 5}).events).toEqual(bootVm(vm, host, {seed: 5}).events)
    expect(bootVm(vm, host, {seed: 5}).events).not.toEqual(bootVm(vm, host, {seed: 6}).events)
  })
})

describe('QEMU and guest facts (hw/vfio/ub.c, ub_config.h, ub_enum.c, guest ubus)', () => {
  const boot = (vm: UbVm = vmOf(() => {})) => {
    const r = bootVm(vm, host)
    if (!r.ok) throw new Error(r.error.message)
    return r
  }
  it('the first guest token id is 65: UMMU_RESERVED_TID_NUM is 64', () => {
    const r = boot()
    expect(r.guest.devices[0].tid).toBe(65)
    expect(r.guest.firmware.ummu.minTid).toBe(65)
  })
  it('CFG1 support_feature: ubbas bit 5 forced, ers0s/ers1s bits 6/7 for the ERS the device has', () => {
    const d = boot().guest.devices[0] // dpu: ERS0 and ERS1, no ERS2
    expect(readDword(d.cfg, CFG.CFG1_SUPPORT)).toBe((1 << 5) | (1 << 6) | (1 << 7))
  })
  it('enable order: dev_token_id, then bus_access_en, then dev_rs_access_en; USI unmasked before enabled', () => {
    const writes = boot().events.filter((e) => e.phase === 'guest config' && e.action === 'UB_CFG1_WRITE').map((e) => e.detail.split(' ')[1])
    const at = (off: number) => writes.indexOf('0x' + off.toString(16))
    expect(at(CFG.CFG1_TOKEN_ID)).toBeLessThan(at(CFG.CFG1_BUS_ACCESS_EN))
    expect(at(CFG.CFG1_BUS_ACCESS_EN)).toBeLessThan(at(CFG.CFG1_RS_ACCESS_EN))
    expect(at(CFG.INT2_MASK)).toBeGreaterThan(-1)
    expect(at(CFG.INT2_MASK)).toBeLessThan(at(CFG.INT2_ENABLE))
  })
  it('region and eventfd names use the host uent (vbasedev.name)', () => {
    const events = boot().events
    expect(events.find((e) => e.action === 'vfio_populate_device')!.detail).toContain('00006-ERS0 0x100000, 00006-ERS1 0x10000')
    expect(events.find((e) => e.action === 'VFIO_DEVICE_SET_IRQS')!.detail).toContain('vfio-ub-intr[0](00006)..vfio-ub-intr[7](00006)')
  })
  it('an IDEVICE gets its UBBA from QEMU (VIRT_UB_IDEV_ERS); a DEVICE gets it from the guest', () => {
    const vm = vmOf((d) => d.ub!.devices!.push({name: 'idev0', host: {guid: 'cc08-d807-0-2-000000-0000000000440001'}}))
    const r = boot(vm)
    const idev = r.guest.devices.find((d) => d.name === 'idev0')!
    expect(BigInt(idev.ubba[0])).toBeGreaterThanOrEqual(0x18000000000n)
    expect(r.events.find((e) => e.action === 'realized' && e.detail.startsWith('idev0'))).toBeDefined()
    expect(r.events.some((e) => e.action === 'UB_CFG1_WRITE' && e.detail.startsWith('idev0 0x40058'))).toBe(false)
    expect(r.events.some((e) => e.action === 'UB_CFG1_WRITE' && e.detail.startsWith('dpu0 0x40058'))).toBe(true)
  })
  it('the vBusController answers 128 ports in slices of 7 (19 PDUs) and the controller takes CNAs for every port', () => {
    const r = boot()
    expect(r.events.find((e) => e.component === 'vBusController' && e.action === 'TOPO_QUERY')!.detail).toMatch(/^ubc\.0 slice 0\.\.18 \(19 PDUs\)/)
    expect(r.guest.controller.cna).toBe(1)
    expect(r.guest.devices[0].cna).toBe(1 + 128 + 1)
  })
})

describe('failure paths stop the walk with the stack’s message and change nothing', () => {
  const fails = (vm: UbVm, h: HostState = host) => {
    const r = bootVm(vm, h)
    if (r.ok) throw new Error('expected the walk to fail')
    return r.error
  }
  it('nested UMMU without iommufd', () => {
    // error_prepend(VFIO_MSG_PREFIX, vbasedev.name): the host uent's %05x name
    expect(fails(vmOf((d) => (d.ub!.ummu = {nested: true, iommufd: false}))).message).toBe('vfio 00006: iommufd is require for nested ummu.')
  })
  it('an unknown host GUID', () => {
    expect(fails(vmOf((d) => (d.ub!.devices![0].host!.guid = 'cc08-d802-0-1-000000-0000003735928559'))).message).toContain('no UB device with guid')
  })
  it('guest GUID that differs from the host beyond seq_num (vfio_check_guid)', () => {
    expect(fails(vmOf((d) => (d.ub!.devices![0].guestGuid = 'cc08-d803-0-1-000000-0000000000655361'))).message).toBe('dpu0 guid and host are not matching')
  })
  it('wrong controller GUID type', () => {
    expect(fails(vmOf((d) => (d.ub!.controller = {guid: 'cc08-a000-0-1-000000-0000000000000101'}))).message).toBe('ubc.0 device type set error, expect: 2, actual: 1')
  })
  it('mismatched neighbour ports', () => {
    const vm = vmOf((d) => {
      d.ub!.devices!.push({name: 'nic0', host: {guid: 'cc08-d803-0-1-000000-0000000000110001'}, links: [{port: 0, controllerPort: 0}]})
      d.ub!.devices![0].links = [{port: 0, controllerPort: 0}]
    })
    expect(fails(vm).message).toMatch(/^The neighbor information of the two devices does not match/)
  })
  it('a device on another VM’s dynamic bus instance', () => {
    const first = bootVm(vmOf(() => {}), host)
    if (!first.ok) throw new Error(first.error.message)
    const other = vmOf((d) => {
      d.name = 'other'
      d.ub!.busInstance.guid = 'cc08-a000-0-0-000000-0000000000000202'
    })
    expect(fails(other, first.host).message).toContain('-EBUSY')
  })
  it('the bus instance already used by another VM (lock)', () => {
    const first = bootVm(vmOf(() => {}), host)
    if (!first.ok) throw new Error(first.error.message)
    const twin = vmOf((d) => {
      d.name = 'twin'
      d.ub!.devices = [{name: 'nic0', host: {guid: 'cc08-d803-0-1-000000-0000000000110001'}}]
    })
    expect(fails(twin, first.host).message).toBe('ubc bus instance guid lock failed, it may used by other vm')
  })
  it('a device not on a dynamic bus instance', () => {
    const h = structuredClone(host)
    h.instances.push({guid: 'cc08-a000-0-0-000000-0000000000000101', type: 0, eid: 0x20000, upi: 0, ubc: 1})
    // %s is the sysfsdev path QEMU found by GUID
    expect(fails(vmOf(() => {}), h).message).toBe('ub device(/sys/bus/ub/devices/00006) not bind to dynamic bus instance')
  })
  it('a pool request the pool has not resolved', () => {
    // the walk takes host GUIDs only: the backend asks the pool (src/pool) first
    expect(fails(vmOf((d) => (d.ub!.devices = [{name: 'big', pool: {class: 'dpu', bandwidth: '800Gbit/s'}}]))).message).toBe('big is a pool request: the pool must assign a host device first')
  })
})

describe('hot-plug, reset, teardown', () => {
  it('hot-plugs a device into a running VM and unplugs it again', () => {
    const booted = bootVm(vmOf(() => {}), host)
    if (!booted.ok) throw new Error(booted.error.message)
    const withNic = vmOf((d) => d.ub!.devices!.push({name: 'nic9', host: {guid: 'cc08-d803-0-1-000000-0000000000990001'}}))
    const plugged = hotplugDevice(booted.guest, booted.host, withNic, 'nic9')
    if (!plugged.ok) throw new Error(plugged.error.message)
    expect(plugged.events.map((e) => e.action)).toEqual(expect.arrayContaining(['SHP', 'TOPO_QUERY', 'NA_CFG', 'CMD_CREATE_KVTBL', 'kvm_irqchip_add_usi_route', 'ready']))
    // LINK_UP is injected only by vfio-ub's REINIT interrupt handler, never by hot-plug
    expect(plugged.events.map((e) => e.action)).not.toContain('LINK_UP')
    expect(plugged.guest.devices.map((d) => d.name)).toEqual(['dpu0', 'nic9'])
    const unplugged = unplugDevice(plugged.guest, plugged.host, 'nic9')
    if (!unplugged.ok) throw new Error(unplugged.error.message)
    expect(unplugged.guest.devices.map((d) => d.name)).toEqual(['dpu0'])
    const e = unplugged.host.entities.find((x) => x.guid === 'cc08-d803-0-1-000000-0000000000990001')!
    expect(e.driver).toBe('unic') // original driver restored
    expect(e.instanceEid).toBe(host.instances[0].eid) // back on the static BI
  })

  it('Entity Level Reset clears token id and the access enables', () => {
    const booted = bootVm(vmOf(() => {}), host)
    if (!booted.ok) throw new Error(booted.error.message)
    const r = resetDevice(booted.guest, booted.host, 'dpu0')
    if (!r.ok) throw new Error(r.error.message)
    const d = r.guest.devices[0]
    expect([readDword(d.cfg, CFG.CFG1_TOKEN_ID), readDword(d.cfg, CFG.CFG1_RS_ACCESS_EN), readDword(d.cfg, CFG.CFG1_BUS_ACCESS_EN)]).toEqual([0, 0, 0])
    expect(r.events[0].action).toBe('VFIO_DEVICE_RESET')
  })

  it('teardown releases everything: the host is as before the boot', () => {
    const booted = bootVm(vmOf(() => {}), host)
    if (!booted.ok) throw new Error(booted.error.message)
    const {host: after, events} = teardownVm(booted.guest, booted.host)
    expect(after).toEqual(host)
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['unrealize', 'reattach', 'unlock', 'BI_DESTROY']))
  })
})
