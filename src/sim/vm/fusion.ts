// Fusion devices in the boot walk. On the host, each member slice is handed to hiaggre_dslice (driver
// override, probe: its ops report queues and bandwidth); FusionD builds the aggregated device and its queue
// map; vfio_fusiond realizes it with a PCI device model (a mediated device QEMU opens with vfio-pci) or a UB
// device model (a UB entity with GUID, EID and USI that QEMU opens like vfio-ub); the guest's virtio driver
// finds one device with the device's virtqueues. The models themselves live in src/fusion; this file feeds
// them the host's plain data and records their steps in the walk's trace.
// [INF] Everything about FusionD, vfio_fusiond and hiaggre_* is inferred from the talk (no public source).
// Members given as pool requests are allocated by the pool (src/pool, on distinct cards) before the walk,
// as pooled UB devices are; the walk then sees host GUIDs only.
import type {FusionDevice, UbVm} from '../../definition/normalize.js'
import {failMember, newRuntime, type FusionRuntime} from '../../fusion/control.js'
import {buildFusionSpec, initialQueueMap, placementOf} from '../../fusion/fusiond.js'
import {enableMember} from '../../fusion/policies.js'
import {realizeFusionDevice} from '../../fusion/vfio-fusiond.js'
import {findEntityByGuid, probeDriver, setDriverOverride, unbindDriver} from '../host/instances.js'
import type {HostEntity, HostState} from '../host/model.js'
import {fusionLinks} from '../../xml/layout.js'
import {CFG, portBasic, writeDword, write64, writeGuid} from './cfgspace.js'
import {memberHardware} from './fusion-members.js'
import {WalkError, type GuestDevice, type GuestState} from './guest.js'
import type {Trace} from './trace.js'
import {CFG1_FEATURE} from './vfio-ub.js'

export const HIAGGRE_DSLICE = 'hiaggre_dslice'

/** A fusion device of a running VM: FusionD's state plus the host entities its members took over. */
export interface FusionInstance extends FusionRuntime {
  hostMembers: Array<{guid: string; uent: number; originalDriver: string | null}>
}

const P = 'libvirt prepare'
const Q = 'qemu realize'
const uentName = (n: number) => n.toString(16).padStart(5, '0')

/** The host entity of each member. Pool requests were resolved by the pool (src/pool) before the walk. */
function memberEntities(f: FusionDevice, host: HostState, taken: Set<string>): HostEntity[] {
  return f.members.map((m, i) => {
    if (!m.host) throw new WalkError(P, 'UBPRM', `${f.name} member ${i} is a pool request: the pool must assign a slice first`)
    const e = findEntityByGuid(host, m.host.guid)
    if (!e) throw new WalkError(P, 'virub', `no UB device with guid ${m.host.guid} under /sys/bus/ub/devices`)
    if (e.driver === 'vfio-ub' || e.driver === HIAGGRE_DSLICE || taken.has(e.guid))
      throw new WalkError(P, 'FusionD', `${f.name}: member ${m.card ?? e.guid} (${e.guid}) is in use by ${taken.has(e.guid) ? 'this VM' : e.driver}`)
    taken.add(e.guid)
    return e
  })
}

/** libvirt prepare for fusion devices: members to hiaggre_dslice, FusionD builds each device. */
export function prepareFusion(vm: UbVm, host: HostState, trace: Trace): FusionInstance[] {
  const taken = new Set<string>()
  return (vm.ub?.fusion ?? []).map((f) => buildInstance(vm, f, host, trace, taken))
}

function buildInstance(vm: UbVm, f: FusionDevice, host: HostState, trace: Trace, taken: Set<string>): FusionInstance {
  const entities = memberEntities(f, host, taken)
  const hostMembers = entities.map((e) => ({guid: e.guid, uent: e.uentNum, originalDriver: bindSlice(host, e, trace)}))
  const resolved: FusionDevice = {...f, members: f.members.map((m, i) => ({...m, host: {guid: entities[i].guid}, card: m.card ?? entities[i].pool?.card}))}
  const {spec, problems} = buildFusionSpec(resolved, resolved.members.map((m) => memberHardware(host, f.kind, m)))
  if (problems.length > 0) throw new WalkError(P, 'FusionD', problems.join('; '))
  const map = initialQueueMap(spec)
  const layout = spec.members.map((m, i) => `${m.name}: ${map.active.filter((x) => x === i).length}`).join(', ')
  trace.emit(P, 'FusionD', 'register', `${f.name}: ${f.kind} ${f.mode}, ${spec.members.length} slices on ${new Set(spec.members.map((m) => m.card)).size} cards, ${f.queues} virtqueues (${layout}), policy ${f.policy}`, 'ioctl')
  const t = f.transport === 'pci' ? {transport: 'pci' as const, mdevUuid: f.mdevUuid!} : {transport: 'ub' as const, guid: f.guid!, eid: f.eid!, controllerPort: fusionLinks(vm.ub!).get(f.name)![0].controllerPort}
  const {device, steps} = realizeFusionDevice(spec, t)
  for (const s of steps.filter((x) => x.component === 'vfio_fusiond')) trace.emit(P, 'vfio_fusiond', s.action, s.detail, 'ioctl')
  return {...newRuntime(spec, f.transport, map, device), hostMembers}
}

/** hiaggre_dslice takes the slice: unbind its driver, driver_override, drivers_probe. Returns the old driver. */
function bindSlice(host: HostState, e: HostEntity, trace: Trace): string | null {
  const original = e.driver
  if (original) unbindDriver(host, e.uentNum)
  setDriverOverride(host, e.uentNum, HIAGGRE_DSLICE)
  probeDriver(host, e.uentNum)
  trace.emit(P, HIAGGRE_DSLICE, 'probe', `/sys/bus/ub/devices/${uentName(e.uentNum)} (${e.guid})${original ? ` from ${original}` : ''}: ops registered with FusionD`, 'sysfs')
  return original
}

function releaseSlice(host: HostState, m: FusionInstance['hostMembers'][number], trace: Trace, phase: string): void {
  unbindDriver(host, m.uent)
  setDriverOverride(host, m.uent, null)
  if (m.originalDriver) {
    setDriverOverride(host, m.uent, m.originalDriver)
    probeDriver(host, m.uent)
    setDriverOverride(host, m.uent, null)
  }
  trace.emit(phase, HIAGGRE_DSLICE, 'remove', `${m.guid}: back to ${m.originalDriver ?? 'no driver'}`, 'sysfs')
}

/** QEMU realize of each fusion device; a UB-transport one joins the guest's UB devices. */
export function realizeFusion(instances: FusionInstance[], guest: GuestState, trace: Trace): void {
  for (const fi of instances) {
    const steps = realizeFusionDevice(fi.spec, fi.realized.pci ? {transport: 'pci', mdevUuid: fi.realized.pci.mdevUuid} : {transport: 'ub', ...fi.realized.ub!}).steps
    for (const s of steps.filter((x) => x.component === 'qemu')) trace.emit(Q, fi.transport === 'pci' ? 'vfio-pci' : 'vfio-ub', s.action, s.detail, 'realize')
    if (fi.realized.ub) guest.devices.push(ubGuestDevice(fi))
  }
  guest.fusion = instances
}

/** The UB device model's config space: what the guest's UB bus driver will scan and configure. */
function ubGuestDevice(fi: FusionInstance): GuestDevice {
  const ub = fi.realized.ub!
  const cfg: GuestDevice['cfg'] = {}
  writeDword(cfg, CFG.CFG0_PORT_UE, (1 << 16) | 1)
  writeGuid(cfg, ub.guid)
  writeDword(cfg, CFG.CFG1_SUPPORT, CFG1_FEATURE.ubbas | CFG1_FEATURE.ers0s)
  writeDword(cfg, CFG.CFG1_ERS_SIZE, 0x10) // [INF] 64 KiB ERS0: virtio common/notify/ISR/device regions
  writeDword(cfg, CFG.CFG1_CLASS_CODE, ub.classCode)
  const v = ub.usiVectors
  writeDword(cfg, CFG.INT2_VEC_TABLE_NUM, ((v - 1) & 0xffff) | (((v - 1) & 0xffff) << 16))
  write64(cfg, CFG.INT2_VEC_TABLE_START, 0x0n)
  write64(cfg, CFG.INT2_ADDR_TABLE_START, BigInt(v * 8))
  write64(cfg, CFG.INT2_PEND_TABLE_START, BigInt(v * 8 + v * 32))
  writeDword(cfg, portBasic(0) + 0x28, ub.controllerPort)
  return {
    name: fi.spec.name,
    hostGuid: ub.guid,
    guestGuid: ub.guid,
    hostUent: -1,
    originalDriver: null,
    guidType: 1,
    eid: ub.eid,
    cna: 0,
    ueid: 0,
    tid: 0,
    tag: 0,
    ports: 1,
    links: [{port: 0, controllerPort: ub.controllerPort}],
    ubba: ['0x0', '0x0', '0x0'],
    cfg,
    usi: {mode: 'passthrough', vectors: v, enabled: false, routes: []},
    ready: false,
  }
}

/** The guest's virtio driver on each fusion device (after a UB one has been configured like any UB device). */
export function probeFusionInGuest(guest: GuestState, trace: Trace, phase: string): void {
  for (const fi of guest.fusion ?? []) {
    const step = realizeFusionDevice(fi.spec, fi.realized.pci ? {transport: 'pci', mdevUuid: fi.realized.pci.mdevUuid} : {transport: 'ub', ...fi.realized.ub!}).steps.at(-1)!
    trace.emit(phase, 'guest', step.action, step.detail, 'mmio')
  }
}

/** VM stop: vfio_fusiond removes each device, the slices go back to their drivers. */
export function teardownFusion(guest: GuestState, host: HostState, trace: Trace): void {
  for (const fi of guest.fusion ?? []) {
    trace.emit('teardown', 'vfio_fusiond', fi.realized.pci ? 'mdev remove' : 'UB model remove', fi.realized.pci ? `${fi.realized.pci.sysfsdev}/remove` : `${fi.realized.ub!.guid}`, 'sysfs')
    for (const m of fi.hostMembers) releaseSlice(host, m, trace, 'teardown')
  }
  guest.fusion = []
}

/** attach-device --live of a member: hiaggre_dslice takes the slice, FusionD gives it its share of virtqueues. */
export function hotplugMember(guest: GuestState, host: HostState, vm: UbVm, device: string, guid: string, trace: Trace): void {
  const fi = (guest.fusion ?? []).find((x) => x.spec.name === device)
  if (!fi) throw new WalkError('hotplug', 'FusionD', `no fusion device named ${device} in the running VM`)
  const f = vm.ub!.fusion.find((x) => x.name === device)!
  const m = f.members.find((x) => x.host?.guid === guid)!
  const [e] = memberEntities({...f, members: [m]}, host, new Set(fi.hostMembers.map((x) => x.guid)))
  fi.hostMembers.push({guid: e.guid, uent: e.uentNum, originalDriver: bindSlice(host, e, trace)})
  const hw = memberHardware(host, f.kind, m)
  fi.spec.members.push({...hw, queues: m.queues ?? hw.queues, name: m.card ?? e.guid, card: m.card ?? e.guid, guid: e.guid, weight: m.weight, role: m.role})
  fi.view.push('up')
  fi.failbackAt.push(null)
  const idx = fi.spec.members.length - 1
  fi.map.slaves.forEach((row, vq) => row.push(vq % Math.max(1, fi.spec.members[idx].queues)))
  const moved = enableMember(fi.map, idx, placementOf(fi.spec))
  trace.emit('hotplug', 'FusionD', 'add member', `${device}: ${fi.spec.members[idx].name} (${e.guid}), ${moved.length} virtqueue(s) moved to it`, 'ioctl')
}

/** detach-device --live of a member: its virtqueues move to the others, then hiaggre_dslice lets it go. */
export function unplugMember(guest: GuestState, host: HostState, device: string, guid: string, trace: Trace): void {
  const fi = (guest.fusion ?? []).find((x) => x.spec.name === device)
  if (!fi) throw new WalkError('unplug', 'FusionD', `no fusion device named ${device} in the running VM`)
  const idx = fi.spec.members.findIndex((x) => x.guid === guid)
  if (idx < 0) throw new WalkError('unplug', 'FusionD', `${device} has no member ${guid}`)
  if (fi.spec.members.length <= 2) throw new WalkError('unplug', 'FusionD', `${device}: an aggregated device needs at least 2 member slices`)
  const name = fi.spec.members[idx].name
  const after = fi.view[idx] === 'down' ? fi : failMember(fi, idx, 0).rt
  const moved = after.map.active.length - fi.map.active.filter((x) => x !== idx).length
  // drop the member from every table; indices above it shift down
  const shift = (m: number) => (m > idx ? m - 1 : m)
  fi.map.active = after.map.active.map(shift)
  fi.map.enabled = after.map.enabled.filter((m) => m !== idx).map(shift)
  fi.map.slaves = after.map.slaves.map((row) => row.filter((_, i) => i !== idx))
  fi.view = after.view.filter((_, i) => i !== idx)
  fi.failbackAt = after.failbackAt.filter((_, i) => i !== idx)
  fi.spec.members = fi.spec.members.filter((_, i) => i !== idx)
  trace.emit('unplug', 'FusionD', 'remove member', `${device}: ${name} drained, ${moved} virtqueue(s) moved to ${fi.map.enabled.map((m) => fi.spec.members[m].name).join(', ')}`, 'ioctl')
  const hm = fi.hostMembers.find((x) => x.guid === guid)!
  fi.hostMembers = fi.hostMembers.filter((x) => x !== hm)
  releaseSlice(host, hm, trace, 'unplug')
}
