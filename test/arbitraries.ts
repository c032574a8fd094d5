// Random valid definitions for the property tests: names that exercise escaping, UB devices (some
// with two links), pool requests, fusion devices, pooled memory, GUIDs whose seq_num is sometimes hex
// (which the openeuler target refuses).
import fc from 'fast-check'

import type {UbVmDefinition} from '../src/definition/types.js'

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0')
/** A GUID; seq_num in decimal digits, or in hex (with letters from 10 up) when hexSeq. */
const guid = (type: number, seq: number, device = 0xd802, hexSeq = false) =>
  `cc08-${hex(device, 4)}-0-${type}-000000-${hexSeq ? hex(seq, 16) : String(seq).padStart(16, '0')}`
// Names exercise escaping: quotes, ampersands, angle brackets, non-ASCII.
const nameChar = fc.constantFrom(...'abcXYZ019-_. \'"&<>éß漢'.split(''))
const domainName = fc
  .array(nameChar, {minLength: 1, maxLength: 20})
  .map((cs) => 'v' + cs.join('').trim())
  .filter((n) => n !== '.' && n !== '..')
const path = fc.array(nameChar, {minLength: 1, maxLength: 12}).map((cs) => `/var/lib/${cs.join('')}.img`)
const mac = fc.integer({min: 0, max: 0xffff}).map((n) => `52:54:00:00:${hex(n >> 8, 2)}:${hex(n & 0xff, 2)}`)
const poolRequest = fc.record(
  {
    class: fc.constantFrom('dpu' as const, 'nic' as const, 'ssd' as const, 'npu' as const),
    bandwidth: fc.constantFrom('25Gbit/s', '100Gbit/s', '800Mbit/s'),
    queues: fc.integer({min: 1, max: 64}),
  },
  {requiredKeys: ['class']},
)

export const definition: fc.Arbitrary<UbVmDefinition> = fc
  .record({
    name: domainName,
    uuid: fc.option(fc.uuid(), {nil: undefined}),
    type: fc.constantFrom('kvm' as const, 'qemu' as const),
    vcpus: fc.integer({min: 1, max: 256}),
    memory: fc.constantFrom('512MiB', '1GiB', '3GiB', '1536MiB', '1TiB'),
    hugepages: fc.option(fc.boolean(), {nil: undefined}),
    firmware: fc.constantFrom('efi' as const, 'bios' as const),
    disks: fc.array(fc.tuple(path, fc.constantFrom('qcow2' as const, 'raw' as const), fc.boolean()), {maxLength: 3}),
    macs: fc.uniqueArray(mac, {maxLength: 3}),
    ub: fc.option(
      fc.record({
        bi: fc.integer({min: 1, max: 0xffffff}),
        cluster: fc.boolean(),
        nested: fc.boolean(),
        devices: fc.array(
          fc.tuple(fc.boolean(), fc.constantFrom(1, 2), fc.option(poolRequest, {nil: undefined}), fc.integer({min: 1, max: 512}), fc.boolean(), fc.boolean(), fc.nat(9)),
          {maxLength: 8},
        ),
        fusion: fc.array(fc.tuple(fc.constantFrom('virtio-net' as const, 'virtio-blk' as const, 'virtio-scsi' as const), fc.boolean(), fc.boolean(), fc.integer({min: 2, max: 4})), {maxLength: 2}),
        ubmem: fc.boolean(),
      }),
      {nil: undefined},
    ),
    extras: fc.boolean(),
  })
  .map((r) => {
    const def: UbVmDefinition = {
      name: r.name,
      uuid: r.uuid,
      type: r.type,
      vcpus: r.vcpus,
      memory: r.memory,
      hugepages: r.hugepages,
      boot: {firmware: r.firmware},
      disks: r.disks.map(([source, format, readonly], i) => ({target: `vd${'abcd'[i]}`, source, format, readonly})),
      interfaces: r.macs.map((m, i) => ({type: (['network', 'bridge', 'user'] as const)[i], source: i === 2 ? undefined : `net${i}`, mac: m})),
    }
    if (r.extras) def.libvirt = {domain: ["<clock offset='utc'/>", "<on_crash>destroy</on_crash>"], devices: ["<console type='pty'/>"]}
    if (r.ub) {
      const u = r.ub
      let seq = 1
      def.ub = {
        busInstance: {
          guid: guid(0, u.bi, 0xa000),
          type: u.cluster ? 'dynamic-cluster' : 'dynamic-server',
          ...(u.cluster ? {eid: 0x10000 + u.bi % 0xe0000, upi: 1 + (u.bi % 0x7ffe)} : {}),
        },
        ummu: {nested: u.nested, iommufd: true},
        devices: u.devices.map(([explicitEid, type, pool, vectors, emulated, hexSeq, shape], i) => ({
          name: `dev${i}`,
          ...(pool ? {pool} : {host: {guid: guid(type, 9 + seq++, 0xd802, hexSeq)}}),
          // one device in ten has two ports, both linked
          ...(shape === 0 ? {ports: 2, links: [{port: 0}, {port: 1}]} : {}),
          eid: explicitEid ? 0x100 + i : 'auto',
          usi: {mode: emulated ? 'emulated' : 'passthrough', vectors},
        })),
        fusion: u.fusion.map(([kind, ap, ub, members], i) => ({
          name: `fus${i}`,
          kind,
          mode: ap ? 'active-passive' : 'active-active',
          transport: ub ? 'ub' : 'pci',
          queues: 4,
          policy: ap ? 'queue-depth' : 'weighted',
          failback: ap ? 'manual' : {afterSeconds: 10 + i},
          members: Array.from({length: members}, (_, j) => ({
            host: {guid: guid(1, seq++, 0xd805)},
            card: `card-${i}-${j}`,
            ...(ap ? {role: j === 0 ? 'primary' : 'secondary'} : {weight: j + 1}),
          })),
        })),
        ...(u.ubmem ? {ubmemVmmu: {tid: 1 + (u.bi % 64), uba: '0x' + hex(u.bi, 4) + '00000000', size: '4GiB'}} : {}),
      } as UbVmDefinition['ub']
    }
    // Definitions come from YAML/JSON files: no undefined values.
    return JSON.parse(JSON.stringify(def)) as UbVmDefinition
  })
