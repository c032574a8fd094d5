// The simulated host against the kernel's rules and formats (ub-stack.md §1, §3.2–3.5).
import {describe, expect, it} from 'vitest'

import {enumerateHost, routeTable} from './enumerate.js'
import {HostError} from './errors.js'
import type {Fabric} from './fabric.js'
import {generateFabric} from './generate.js'
import {loadHost} from './index.js'
import {bindToInstance, createBusInstance, destroyBusInstance, findEntityByGuid, lockInstance, probeDriver, setDriverOverride, unbindFromInstance, unlockInstance} from './instances.js'
import {instanceFile} from './sysfs.js'
import {decodeTlvs, encodeTlvs, TLV_CAP_INFO, TLV_PORT_INFO, TLV_PORT_NUM, TLV_SLICE_INFO, type Tlv} from './tlv.js'

const small: Fabric = {
  name: 'small',
  nodes: [
    {
      name: 'n0',
      controllers: [{name: 'ubc0', guid: 'cc08-a000-0-1-000000-0000000000000001', ports: 4}],
      switches: [{name: 'sw0', guid: 'cc08-5a00-0-3-000000-0000000000000001', ports: 4}],
      devices: [
        {name: 'nic0', guid: 'cc08-d803-0-1-000000-0000000000000001', ports: 1, class: 'nic'},
        {name: 'ssd0', guid: 'cc08-d805-0-1-000000-0000000000000001', ports: 1, class: 'ssd', pool: {bandwidth: '50Gbit/s', queues: 16, card: 'c0'}},
        {name: 'npu0', guid: 'cc08-d806-0-1-000000-0000000000000001', ports: 1, class: 'npu'},
      ],
    },
  ],
  links: [
    ['ubc0:0', 'sw0:0'],
    ['sw0:1', 'nic0:0'],
    ['sw0:2', 'ssd0:0'],
    ['ubc0:1', 'npu0:0'],
  ],
}

describe('TOPO_QUERY TLVs', () => {
  it('round-trip every TLV type, flags included', () => {
    const tlvs: Tlv[] = [
      {type: TLV_SLICE_INFO, totalSlice: 1},
      {type: TLV_PORT_NUM, totalPorts: 2},
      {type: TLV_PORT_INFO, port: {localPort: 1, remotePort: 7, remoteGuid: 'cc08-d802-0-1-000000-0000000000655361', up: true, boundary: true, virtual: false, shareable: true}},
      {type: TLV_CAP_INFO, classCode: 0x0280},
    ]
    const bytes = encodeTlvs(tlvs)
    expect(bytes.length).toBe(4 + 4 + 23 + 4)
    expect(decodeTlvs(bytes)).toEqual(tlvs)
  })
  it('rejects a truncated reply', () => {
    expect(() => decodeTlvs(Buffer.from([TLV_PORT_INFO, 21, 0, 1]))).toThrow('truncated TLV type 3')
  })
})

describe('enumeration', () => {
  const {state, stats} = enumerateHost(small)
  it('BFS from the controller: uent numbers in discovery order, topo_rank by hops', () => {
    expect(state.entities.map((e) => [e.uentNum, e.kind, e.topoRank])).toEqual([
      [0, 'controller', 0],
      [1, 'switch', 1],
      [2, 'device', 1],
      [3, 'device', 2],
      [4, 'p_device', 2],
    ])
    expect(stats).toMatchObject({entities: 5, topoQueries: 5, maxRank: 2})
  })
  it('NA_CFG gives every entity and every port a CNA, all distinct', () => {
    const cnas = state.entities.flatMap((e) => [e.cna, ...e.ports.map((p) => p.cna)])
    expect(new Set(cnas).size).toBe(cnas.length)
    expect(cnas.every((c) => c > 0)).toBe(true)
  })
  it('links both ends with remote GUID and port index', () => {
    const sw = state.entities[1]
    expect(sw.ports[2].remote).toEqual({guid: 'cc08-d805-0-1-000000-0000000000000001', index: 0, uentNum: 4})
  })
  it("UBC0's static server BI: the UBC GUID with type 0, every entity bound", () => {
    expect(state.instances).toEqual([{guid: 'cc08-a000-0-0-000000-0000000000000001', type: 0, eid: 6, upi: 0, ubc: 0}])
    expect(state.entities.every((e) => e.instanceEid === 6)).toBe(true)
  })
  it('routes: shortest hops with the egress port', () => {
    const routes = routeTable(state, 0)
    expect(routes.find((r) => r.cna === state.entities[4].cna)).toEqual({cna: state.entities[4].cna, port: 0, distance: 2})
    expect(routes.find((r) => r.cna === state.entities[2].cna)).toEqual({cna: state.entities[2].cna, port: 1, distance: 1})
  })
  it('a port with two peers is refused', () => {
    expect(() => enumerateHost({...small, links: [...small.links, ['sw0:1', 'ssd0:0']]})).toThrow('sw0 port 1 reports multiple peers')
  })
  it('/sys/bus/ub/instance in the kernel format', () => {
    expect(instanceFile(state)).toBe('count 0x1, from 0, show 0x1\nguid:cc08-a000-0-0-000000-0000000000000001 type:0 eid:00006 upi:0000\n')
  })
})

describe('bus instances and binding (instance.c rules)', () => {
  const fresh = () => enumerateHost(small).state
  const nic = 'cc08-d803-0-1-000000-0000000000000001'
  it('create a dynamic server BI and bind a device from the static BI', () => {
    const s = fresh()
    const bi = createBusInstance(s, {guid: 'cc08-a000-0-0-000000-0000000000000101'})
    expect(bi).toMatchObject({type: 2, eid: 0x10000})
    expect(bindToInstance(s, bi.guid, nic).instanceEid).toBe(0x10000)
  })
  it('one dynamic BI per device: -EBUSY', () => {
    const s = fresh()
    createBusInstance(s, {guid: 'cc08-a000-0-0-000000-0000000000000101'})
    createBusInstance(s, {guid: 'cc08-a000-0-0-000000-0000000000000102'})
    bindToInstance(s, 'cc08-a000-0-0-000000-0000000000000101', nic)
    expect(() => bindToInstance(s, 'cc08-a000-0-0-000000-0000000000000102', nic)).toThrow(expect.objectContaining({errno: 'EBUSY'}))
  })
  it('destroy is -EBUSY while a device is bound or a VM holds the lock', () => {
    const s = fresh()
    const bi = createBusInstance(s, {guid: 'cc08-a000-0-0-000000-0000000000000101'})
    bindToInstance(s, bi.guid, nic)
    expect(() => destroyBusInstance(s, bi.guid)).toThrow(HostError)
    unbindFromInstance(s, nic)
    lockInstance(s, bi.guid, 'vm1')
    expect(() => destroyBusInstance(s, bi.guid)).toThrow('in use')
    unlockInstance(s, bi.guid, 'vm1')
    destroyBusInstance(s, bi.guid)
    expect(s.instances).toHaveLength(1)
  })
  it('the BI lock: a second VM "may used by other vm"', () => {
    const s = fresh()
    const bi = createBusInstance(s, {guid: 'cc08-a000-0-0-000000-0000000000000101'})
    lockInstance(s, bi.guid, 'vm1')
    expect(() => lockInstance(s, bi.guid, 'vm2')).toThrow('failed to lock /run/libvirt/qemu/ub-bus-instance-cc08-a000-0-0-000000-0000000000000101.lock, it may used by other vm (vm1)')
  })
  it('a server BI eid in the local range is -EINVAL; a duplicate GUID -EEXIST', () => {
    const s = fresh()
    expect(() => createBusInstance(s, {guid: 'cc08-a000-0-0-000000-0000000000000101', eid: 0x100})).toThrow(expect.objectContaining({errno: 'EINVAL'}))
    createBusInstance(s, {guid: 'cc08-a000-0-0-000000-0000000000000101'})
    expect(() => createBusInstance(s, {guid: 'cc08-a000-0-0-000000-0000000000000101'})).toThrow(expect.objectContaining({errno: 'EEXIST'}))
  })
  it('drivers_probe binds vfio-ub only through driver_override, and not over a bound driver', () => {
    const s = fresh()
    const e = findEntityByGuid(s, nic)!
    setDriverOverride(s, e.uentNum, 'vfio-ub')
    expect(() => probeDriver(s, e.uentNum)).toThrow('bound to unic')
  })
})

describe('host fabrics', () => {
  it('the default host holds every host GUID the examples use', async () => {
    const {readdirSync, readFileSync} = await import('node:fs')
    const state = await loadHost()
    const guids = new Set(state.entities.map((e) => e.guid))
    for (const f of readdirSync('examples').filter((x) => x.endsWith('.yaml')))
      for (const m of readFileSync(`examples/${f}`, 'utf8').matchAll(/host: \{guid: ([0-9a-f-]{37})\}|guid: (cc08-d8[0-9a-f-]{32})/g)) {
        const g = m[1] ?? m[2]
        expect(guids.has(g), `${f}: ${g}`).toBe(true)
      }
  })
  it('generation is deterministic for a seed and scales to switches', () => {
    const a = generateFabric(2, 100, 7)
    expect(generateFabric(2, 100, 7)).toEqual(a)
    expect(generateFabric(2, 100, 8)).not.toEqual(a)
    const {stats} = enumerateHost(a)
    expect(stats.entities).toBe(2 * (1 + 4 + 100))
  })
})
