// The simulated host against the kernel (drivers/ub/ubus: enum.c/h, cna.c, instance.c, sysfs.c, port.c,
// ubus_ids.h, ubus.h) and QEMU's vBusController replies (hw/ub/ub_enum.c). Each corrected rule has a test
// that fails on the value the simulator had before.
import {describe, expect, it} from 'vitest'

import type {UbmgrError} from '../../ground/errors.js'

import {altHex, guidLogText} from './cformat.js'
import {enumerateHost} from './enumerate.js'
import {HostError} from './errors.js'
import {checkFabric, type Fabric} from './fabric.js'
import {generateFabric} from './generate.js'
import {loadHost} from './index.js'
import {bindToInstance, createBusInstance, destroyBusInstance, findEntityByGuid, lockInstance, probeDriver, setDriverOverride, unbindFromInstance, UB_CP_UPI} from './instances.js'
import type {HostState} from './model.js'
import {routeCount, routeCountAll, routeTable} from './route.js'
import {devicesTable, entityFiles, instanceFile, portFiles} from './sysfs.js'
import {decodeTopoReply, encodeTopoReply, ENUM_CMD_NA_CFG, ENUM_CMD_NA_QUERY, ENUM_CMD_TOPO_QUERY, ENUM_NA_CFG_PORT, ENUM_NA_CFG_PRIMARY, ENUM_TOPO_QUERY_REQUEST, PORTS_PER_SLICE, TLV_CAP_INFO, TLV_PORT_INFO, TLV_PORT_NUM, TLV_SLICE_INFO} from './tlv.js'

const small: Fabric = {
  name: 'small',
  nodes: [
    {
      name: 'n0',
      controllers: [{name: 'ubc0', guid: 'cc08-a000-0-2-000000-0000000000000001', ports: 4}],
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
const withNodes = (patch: (f: Fabric) => void): Fabric => {
  const f = structuredClone(small)
  patch(f)
  return f
}
const nic = 'cc08-d803-0-1-000000-0000000000000001'
const BI1 = 'cc08-a000-0-0-000000-0000000000000101'
const BI2 = 'cc08-a000-0-0-000000-0000000000000102'
const fails = (fn: () => unknown): HostError => {
  try {
    fn()
  } catch (error) {
    if (error instanceof HostError) return error
    throw error
  }
  throw new Error('expected a HostError')
}

describe('TOPO_QUERY reply layout (enum.h, QEMU ub_enum.c)', () => {
  it('command numbers and opcodes', () => {
    expect([ENUM_CMD_TOPO_QUERY, ENUM_CMD_NA_CFG, ENUM_CMD_NA_QUERY]).toEqual([0, 1, 2])
    expect([ENUM_TOPO_QUERY_REQUEST, ENUM_NA_CFG_PRIMARY, ENUM_NA_CFG_PORT]).toEqual([1, 2, 3])
    expect([TLV_SLICE_INFO, TLV_PORT_NUM, TLV_PORT_INFO, TLV_CAP_INFO]).toEqual([0, 1, 2, 4])
  })
  it('4-byte TLV headers {value:16, len:8, type:8}, 28-byte PORT_INFO, order PORT_INFO…, PORT_NUM, SLICE_INFO, CAP_INFO', () => {
    const buf = Buffer.alloc(4096)
    const size = encodeTopoReply(buf, 'cc08-a000-0-2-000000-0000000000000001', [{index: 0, remoteGuid: nic, remoteIndex: 3, boundary: true, virtual: false}, {index: 1, boundary: false, virtual: false}], 0, 0x0102)
    expect(size).toBe(24 + 2 * 28 + 8 + 4 + 8)
    const tlv = buf.subarray(24, size)
    expect([tlv[3], tlv[2]]).toEqual([TLV_PORT_INFO, 28]) // type in the high byte, len (bytes) below it
    expect(tlv.readUInt32LE(0) & 0xf00).toBe((1 << 8) | (1 << 9) | (1 << 10)) // s, b, w
    expect(tlv.readUInt16LE(4)).toBe(3) // remote_port_idx, then local_port_idx
    expect(tlv.readBigUInt64LE(12)).toBe(1n) // remote GUID: seq_num first
    expect(tlv.readUInt32LE(28) & 0xf00).toBe(1 << 10) // a down port: s=0, w=1 only
    expect([tlv[56 + 3], tlv[56 + 2], tlv.readUInt16LE(56)]).toEqual([TLV_PORT_NUM, 8, 2])
    expect([tlv[64 + 3], tlv[64 + 2], tlv[64 + 1]]).toEqual([TLV_SLICE_INFO, 4, 1]) // total_slice
    expect([tlv[68 + 3], tlv[68 + 2], tlv.readUInt16LE(72)]).toEqual([TLV_CAP_INFO, 8, 0x0102])
    const r = decodeTopoReply(buf, size)
    expect(r).toMatchObject({totalSlice: 1, totalPorts: 2, classCode: 0x0102})
    expect(r.ports[0]).toEqual({s: true, b: true, w: true, t: false, remotePortIdx: 3, localPortIdx: 0, remoteGuid: nic})
  })
  it('a GUID is struct ub_guid in memory: seq_num, then reserved..vendor, each little-endian; read back as printed', () => {
    const buf = Buffer.alloc(4096)
    const guid = 'cc08-d805-1-2-a0b1c2-0123456789abcdef'
    const size = encodeTopoReply(buf, guid, [{index: 0, remoteGuid: guid.toUpperCase(), remoteIndex: 1, boundary: false, virtual: false}], 0, 0x0001)
    expect(buf.readBigUInt64LE(8)).toBe(0x0123456789abcdefn)
    expect(buf.readBigUInt64LE(16)).toBe(0xcc08d80512a0b1c2n)
    expect(buf.subarray(24 + 12, 24 + 28)).toEqual(buf.subarray(8, 24))
    expect(decodeTopoReply(buf, size).ports[0].remoteGuid).toBe(guid)
  })
  it('7 ports per 256-byte PDU; slices after the first carry only PORT_INFO', () => {
    expect(PORTS_PER_SLICE).toBe(7)
    const buf = Buffer.alloc(4096)
    const ports = Array.from({length: 16}, (_, index) => ({index, boundary: false, virtual: false}))
    expect(decodeTopoReply(buf, encodeTopoReply(buf, nic, ports, 0, 0)).totalSlice).toBe(3)
    const last = decodeTopoReply(buf, encodeTopoReply(buf, nic, ports, 2, 0))
    expect([last.ports.length, last.totalPorts]).toEqual([2, undefined])
  })
  it('a zero TLV length is refused with the kernel text', () => {
    const buf = Buffer.alloc(64)
    buf.writeUInt32LE(8 << 16, 4) // pdu_len 8 dwords
    expect(() => decodeTopoReply(buf, 32)).toThrow('enum tlv len is invalid')
  })
})

describe('enumeration (enum.c, cna.c, ubus_entity.c)', () => {
  const {state, stats, events} = enumerateHost(small)
  it('uent_num from 1 (UENT_NUM_START) in list order, topo_rank by hops, kernel entity types', () => {
    expect(state.entities.map((e) => [e.uentNum, e.name, e.kind, e.topoRank])).toEqual([
      [1, 'ubc0', 'ibus_controller', 0],
      [2, 'sw0', 'switch', 1],
      [3, 'npu0', 'device', 1],
      [4, 'nic0', 'device', 2],
      [5, 'ssd0', 'device', 2],
    ])
    expect(stats).toMatchObject({entities: 5, maxRank: 2})
  })
  it('class codes carry the base code in the low byte (ubus_ids.h)', () => {
    expect(state.entities.map((e) => e.classCode)).toEqual([0x0000, 0x0004, 0x0007, 0x0102, 0x0001])
  })
  it('all controllers are enumerated before the BFS, across UBCs', () => {
    const two = withNodes((f) => {
      f.nodes.push({name: 'n1', controllers: [{name: 'ubc1', guid: 'cc08-a000-0-2-000000-0000000000000002', ports: 1}], devices: [{name: 'nic1', guid: 'cc08-d803-0-1-000000-0000000000000002', ports: 1}]})
      f.links.push(['ubc1:0', 'nic1:0'])
    })
    expect(enumerateHost(two).state.entities.map((e) => e.name)).toEqual(['ubc0', 'ubc1', 'sw0', 'npu0', 'nic1', 'nic0', 'ssd0'])
  })
  it('CNAs from the IDA: a multi-port entity takes one per port, ONE_CNA entities share theirs', () => {
    expect(state.entities[0].cna).toBe(1)
    expect(state.entities[0].ports.map((p) => p.cna)).toEqual([2, 3, 4, 5])
    expect(state.entities[1].ports.every((p) => p.cna === state.entities[1].cna)).toBe(true) // switch
    expect(state.entities[3].ports[0].cna).toBe(state.entities[3].cna) // one port
  })
  it('port NA_CFGs go before the primary NA_CFG; a switch gets no port NA_CFG', () => {
    const ubc = events.filter((e) => e.action === 'NA_CFG' && e.detail.includes('ubc0'))
    expect(ubc.map((e) => e.detail.slice(0, 8))).toEqual([`opcode ${ENUM_NA_CFG_PORT}`, `opcode ${ENUM_NA_CFG_PRIMARY}`])
    expect(events.filter((e) => e.action === 'NA_CFG' && e.detail.includes('sw0')).map((e) => e.detail.slice(0, 8))).toEqual([`opcode ${ENUM_NA_CFG_PRIMARY}`])
  })
  it('entity and static BI UPI is UB_CP_UPI 0x7fff', () => {
    expect(UB_CP_UPI).toBe(0x7fff)
    expect(state.entities.every((e) => e.upi === 0x7fff)).toBe(true)
    expect(state.instances[0].upi).toBe(0x7fff)
  })
  it("UBC0's static server BI: the controller GUID with type 0, EID from the IDA after UBC0's own; switches bound to none", () => {
    expect(state.instances).toEqual([{guid: 'cc08-a000-0-0-000000-0000000000000001', type: 0, eid: 2, upi: 0x7fff, ubc: 1}])
    expect(state.entities.map((e) => e.eid)).toEqual([1, 3, 4, 5, 6])
    expect(state.entities.map((e) => e.instanceEid)).toEqual([2, 0, 2, 2, 2])
  })
  it('the controller must be an IBUS controller (GUID type 2, class 0): "ubc bad type"', () => {
    const f = withNodes((x) => (x.nodes[0].controllers[0].guid = 'cc08-a000-0-1-000000-0000000000000001'))
    f.nodes[0].controllers[0].guid = 'cc08-a000-0-1-000000-0000000000000001'
    expect(() => enumerateHost(f)).toThrow('fabric small: ubc0: ubc bad type, type=0x1, class=0 (-EINVAL); ub_enum_probe stops and adds no entity')
  })
  it('a bus controller class code behind a switch: "peripheral bad type"', () => {
    const f = withNodes((x) => (x.nodes[0].devices![0].classCode = 0x0100))
    expect(() => enumerateHost(f)).toThrow('nic0: ent type unknown, type=0x1, class=0x100')
    const b = withNodes((x) => (x.nodes[0].devices![0].classCode = 0))
    expect(() => enumerateHost(b)).toThrow('nic0: peripheral bad type, type=0x1, class=0 (-EINVAL)')
    const g = withNodes((x) => (x.nodes[0].devices![0].guid = 'cc08-d803-0-2-000000-0000000000000001'))
    g.nodes[0].devices![0].classCode = 0
    expect(() => enumerateHost(g)).toThrow('nic0: peripheral bad type, type=0x2, class=0 (-EINVAL)')
  })
  it('a DEVICE whose port leads to an entity not yet found: "device connect to multi peer"', () => {
    const f = withNodes((x) => {
      x.nodes[0].devices![2].ports = 2
      x.nodes[0].switches!.push({name: 'sw1', guid: 'cc08-5a00-0-3-000000-0000000000000002', ports: 2})
      x.links.push(['npu0:1', 'sw1:0'])
    })
    expect(() => enumerateHost(f)).toThrow('fabric small: npu0: device connect to multi peer (-EINVAL)')
  })
  it('the CNA IDA runs out: "cna alloc fail, ret=-28"', () => {
    expect(() => enumerateHost(withNodes((f) => (f.firmware = {cna: [1, 6]})))).toThrow('cna alloc fail, ret=-28 (-ENOSPC)')
  })
  it('routes (ub_enum_bfs_route_cal): only through switches, each port CNA of a multi-port entity too', () => {
    const routes = routeTable(state, 1)
    expect(routes.find((r) => r.cna === state.entities[4].cna)).toEqual({cna: state.entities[4].cna, port: 0, distance: 2})
    expect(routes.find((r) => r.cna === state.entities[2].cna)).toEqual({cna: state.entities[2].cna, port: 1, distance: 1})
    expect(routeTable(state, 2).filter((r) => r.cna === state.entities[0].ports[0].cna)).toHaveLength(1)
    expect(state.entities.map((e) => routeCount(state, e.uentNum))).toEqual(state.entities.map((e) => routeTable(state, e.uentNum).length))
    expect(routeCount(state, 1)).toBeGreaterThan(0)
    // the whole host's count, whose walks share one mark array, agrees with walks that each start clean
    const big = enumerateHost(generateFabric(3, 70, 5)).state
    const each = big.entities.filter((e) => e.ports.length !== 1).map((e) => routeTable(big, e.uentNum).length)
    expect(routeCountAll(big)).toBe(each.reduce((a, b) => a + b, 0))
    expect(routeCountAll(state)).toBe(routeTable(state, 1).length + routeTable(state, 2).length)
  })
  it('a port linked twice in the fabric is refused', () => {
    expect(() => enumerateHost({...small, links: [...small.links, ['sw0:1', 'ssd0:0']]})).toThrow('sw0 port 1 is linked twice')
  })
})

describe('bus instances (instance.c): errnos and texts', () => {
  const fresh = () => enumerateHost(small).state
  it('UBUS_CMD_BI_CREATE of a server BI: EID from the local IDA, UPI 0 becomes UB_CP_UPI', () => {
    const s = fresh()
    const bi = createBusInstance(s, {guid: BI1})
    expect(bi).toMatchObject({type: 2, eid: 7, upi: 0x7fff})
    expect(bindToInstance(s, bi.guid, nic).instanceEid).toBe(7)
  })
  it('a server BI EID inside the local range: -EINVAL "server bi eid within the local scope"', () => {
    expect(fails(() => createBusInstance(fresh(), {guid: BI1, eid: 0x100}))).toMatchObject({errno: 'EINVAL', message: 'server bi eid within the local scope, eid=0x100'})
  })
  it('duplicate GUID: -EEXIST only when eid and upi agree, else -EINVAL', () => {
    const s = fresh()
    createBusInstance(s, {guid: BI1, eid: 0x20000, upi: 5})
    expect(fails(() => createBusInstance(s, {guid: BI1, eid: 0x20000, upi: 5}))).toMatchObject({errno: 'EEXIST', message: 'bus instance guid exist'})
    expect(fails(() => createBusInstance(s, {guid: BI1, eid: 0x20001}))).toMatchObject({errno: 'EINVAL', message: 'bus instance guid exist, but eid/upi invalid'})
    expect(fails(() => createBusInstance(s, {guid: 'cc08-a000-0-2-000000-0000000000000109'}))).toMatchObject({errno: 'EINVAL', message: 'guid type is not bus instance or guid_null'})
  })
  it('cluster BIs: never an auto EID; eid above the local range and non-zero upi, else -EINVAL', () => {
    const s: HostState = {...fresh(), cluster: true}
    expect(fails(() => createBusInstance(s, {guid: BI1}))).toMatchObject({errno: 'EINVAL', message: 'cluster bi eid or upi invalid, eid=0, upi=0'})
    expect(fails(() => createBusInstance(s, {guid: BI1, eid: 0xffff, upi: 1}))).toMatchObject({message: 'cluster bi eid or upi invalid, eid=0xffff, upi=0x1'})
    expect(createBusInstance(s, {guid: BI1, eid: 0x30012, upi: 0x12})).toMatchObject({type: 3, eid: 0x30012, upi: 0x12})
  })
  it('destroy: -ENODEV unknown, -EINVAL static, -EBUSY while an entity is bound; a QEMU lock is not the kernel’s business', () => {
    const s = fresh()
    expect(fails(() => destroyBusInstance(s, BI1))).toMatchObject({errno: 'ENODEV', message: `bus instance destroy invalid, guid=${guidLogText(BI1)}`})
    expect(guidLogText(BI1)).toBe('0xcc08a00000000000 101')
    expect(fails(() => destroyBusInstance(s, s.instances[0].guid))).toMatchObject({errno: 'EINVAL', message: 'instance 0xcc08a00000000000 1 is not dynamic'})
    const bi = createBusInstance(s, {guid: BI1})
    bindToInstance(s, bi.guid, nic)
    expect(fails(() => destroyBusInstance(s, bi.guid))).toMatchObject({errno: 'EBUSY', message: 'instance 0xcc08a00000000000 101 is still in use'})
    unbindFromInstance(s, bi.guid, nic)
    expect(lockInstance(s, bi.guid, 'vm1')).toBe(true)
    destroyBusInstance(s, bi.guid)
    expect(s.instances).toHaveLength(1)
  })
  it('bind: -ENODEV unknown BI or device, -EINVAL static BI, -EBUSY "dev already bind instance", the same BI again is fine', () => {
    const s = fresh()
    createBusInstance(s, {guid: BI1})
    createBusInstance(s, {guid: BI2})
    expect(fails(() => bindToInstance(s, 'cc08-a000-0-0-000000-0000000000000999', nic)).errno).toBe('ENODEV')
    expect(fails(() => bindToInstance(s, s.instances[0].guid, nic)).errno).toBe('EINVAL')
    bindToInstance(s, BI1, nic)
    bindToInstance(s, BI1, nic)
    expect(fails(() => bindToInstance(s, BI2, nic))).toMatchObject({errno: 'EBUSY', message: 'dev already bind instance'})
  })
  it('a pooled p_device is never re-bound: -ENODEV "fad dev not support bind again"; a p_idevice is not checked', () => {
    const s = fresh()
    createBusInstance(s, {guid: BI1})
    const e = findEntityByGuid(s, nic)!
    e.kind = 'p_device'
    expect(fails(() => bindToInstance(s, BI1, nic))).toMatchObject({errno: 'ENODEV', message: 'fad dev not support bind again'})
    e.kind = 'p_idevice'
    expect(bindToInstance(s, BI1, nic).instanceEid).toBe(7)
  })
  it('unbind from a BI the device is not on: -EINVAL "dev not bind bus instance"', () => {
    const s = fresh()
    createBusInstance(s, {guid: BI1})
    expect(fails(() => unbindFromInstance(s, BI1, nic))).toMatchObject({errno: 'EINVAL', message: 'dev not bind bus instance, guid=0xcc08a00000000000 101'})
  })
  it('drivers_probe binds vfio-ub only through driver_override, and not over a bound driver', () => {
    const s = fresh()
    const e = findEntityByGuid(s, nic)!
    setDriverOverride(s, e.uentNum, 'vfio-ub')
    expect(() => probeDriver(s, e.uentNum)).toThrow('bound to unic')
  })
})

describe('cluster mode (CFG_CPL_NOTIFY)', () => {
  const clustered = (patch?: (f: Fabric) => void) =>
    withNodes((f) => {
      f.cluster = true
      f.nodes[0].controllers[0].fm = {cna: 0x100, eid: 0x30001, upi: 0x12}
      patch?.(f)
    })
  it('a cluster controller gets CNA and EID from the FM and stays unbound until the notify', () => {
    const {state} = enumerateHost(clustered())
    expect(state.entities[0]).toMatchObject({cna: 0x100, eid: 0x30001, upi: 0x12, instanceEid: 0})
    expect(state.instances.map((i) => i.type)).toEqual([0])
  })
  it('CFG_CPL_NOTIFY creates the static cluster BI and binds the controller to it', () => {
    const {state} = enumerateHost(clustered((f) => (f.clusterInstance = {guid: 'cc08-a000-0-0-000000-0000000000003073', eid: 0x30002})))
    expect(state.instances[1]).toMatchObject({type: 1, eid: 0x30002, upi: 0x12})
    expect(state.entities[0].instanceEid).toBe(0x30002)
  })
  it('a cluster controller EID in the local range: "update cluster ubc wrong"', () => {
    const f = clustered((x) => {
      x.clusterInstance = {guid: 'cc08-a000-0-0-000000-0000000000003073', eid: 0x30002}
      x.nodes[0].controllers[0].fm!.eid = 0x10
    })
    expect(() => enumerateHost(f)).toThrow('-EINVAL: update cluster ubc wrong, eid=0x10')
  })
})

describe('sysfs files byte for byte (sysfs.c, port.c, instance.c)', () => {
  const {state} = enumerateHost(small)
  it('an entity directory', () => {
    const f = entityFiles(state, state.entities[3])
    expect(f).toMatchObject({
      vendor: '0xcc08\n',
      device: '0xd803\n',
      class_code: '0x0102\n',
      type: '0x1\n',
      driver_override: '(null)\n',
      match_driver: 'true\n',
      direct_link: '0000 : 0x01 [0x002]\n',
      guid: `${nic}\n`,
      ubc: '0x001\n',
      primary_cna: '0x0008\n',
      instance: '0x002\n',
      upi: '0x7fff\n',
      entity_idx: '0\n',
      eid: '5\n',
      tid: '0\n',
      primary_entity: '0x004\n',
    })
    expect(f.resource).toBe('0x00002c00110000 0x00002c0020ffff 0x00000000000200\n0x00002c00210000 0x00002c0021ffff 0x00000000000200\n0000000000000000 0000000000000000 0000000000000000\n')
  })
  it('the controller: class code 0 prints as "000000", a switch has instance "00000"', () => {
    expect(entityFiles(state, state.entities[0]).class_code).toBe('000000\n')
    expect(entityFiles(state, state.entities[1]).instance).toBe('00000\n')
    expect(altHex(0, 5)).toBe('00000')
  })
  it('port directories', () => {
    expect(portFiles(state.entities[0].ports[0])).toEqual({cna: '0x0002\n', boundary: '0\n', neighbor_port_idx: '0\n', neighbor_guid: 'cc08-5a00-0-3-000000-0000000000000001\n', neighbor: '00002\n'})
    expect(portFiles(state.entities[0].ports[3])).toMatchObject({neighbor: 'No Neighbor\n', neighbor_port_idx: 'No Neighbor\n'})
  })
  it('/sys/bus/ub/instance', () => {
    expect(instanceFile(state)).toBe('count 0x1, from 0, show 0x1\nguid:cc08-a000-0-0-000000-0000000000000001 type:0 eid:00002 upi:7fff\n')
  })
  it('the devices table is built without spreading its rows', () => {
    expect(devicesTable(state).split('\n')[0]).toMatch(/^uent +name +guid/)
  })
})

describe('host fabrics', () => {
  it('checkFabric lists every problem in order: GUID type, duplicate GUID (any case) and name, ports, link ends', () => {
    const bad = withNodes((f) => {
      f.nodes[0].devices!.push(
        {name: 'sw1', guid: 'cc08-5a00-0-3-000000-0000000000000002', ports: 1},
        {name: 'nic1', guid: nic.toUpperCase(), ports: 1},
        {name: 'nic0', guid: 'cc08-d803-0-1-000000-0000000000000009', ports: 0},
      )
      f.links.push(['sw0:3', 'nic9:0'], ['sw0:4', 'nic1:x'], ['sw0:x', 'npu0:0'])
    })
    let lines: string[] = []
    try {
      checkFabric(bad, 'f.json')
    } catch (error) {
      lines = (error as UbmgrError).lines
    }
    expect(lines).toEqual([
      'f.json: sw1: a device GUID has type 1 or 2, not 3',
      `f.json: duplicate GUID ${nic.toUpperCase()}`,
      'f.json: duplicate entity name nic0',
      'f.json: nic0: ports must be a positive integer',
      'f.json: link end nic0:0: nic0 has 0 port(s)', // the later nic0 is the one the links see
      'f.json: link end nic9:0 is not ENTITY:PORT of a known entity',
      'f.json: link end sw0:4: sw0 has 4 port(s)',
      'f.json: link end nic1:x is not ENTITY:PORT of a known entity',
      'f.json: link end sw0:x is not ENTITY:PORT of a known entity',
    ])
    expect(() => checkFabric(small, 'f.json')).not.toThrow()
  })
  it('the default host holds every host GUID the examples use, and its controller is an IBUS controller', async () => {
    const {readdirSync} = await import('node:fs')
    const {loadAndValidate} = await import('../../definition/validate.js')
    const state = await loadHost()
    expect(state.entities[0]).toMatchObject({kind: 'ibus_controller', guid: 'cc08-a000-0-2-000000-0000000000000001'})
    const guids = new Set(state.entities.map((e) => e.guid))
    // From the parsed definitions, not a regex over the text: every spelling of a GUID counts.
    let used = 0
    for (const f of readdirSync('examples').filter((x) => x.endsWith('.yaml'))) {
      const ub = (await loadAndValidate(`examples/${f}`)).vm.ub
      const hosts = [...(ub?.devices ?? []).map((d) => d.host?.guid), ...(ub?.fusion ?? []).flatMap((x) => x.members.map((m) => m.host?.guid))]
      for (const g of hosts.filter((x): x is string => x !== undefined)) {
        used++
        expect(guids.has(g), `${f}: ${g}`).toBe(true)
      }
    }
    expect(used).toBeGreaterThanOrEqual(80)
  })
  it('generation is deterministic for a seed, with type-2 controllers, and enumerates', () => {
    const a = generateFabric(2, 100, 7)
    expect(generateFabric(2, 100, 7)).toEqual(a)
    expect(generateFabric(2, 100, 8)).not.toEqual(a)
    expect(a.nodes.every((n) => n.controllers[0].guid[12] === '2')).toBe(true)
    const {stats} = enumerateHost(a)
    expect(stats.entities).toBe(2 * (1 + 4 + 100))
  })
})
