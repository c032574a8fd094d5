// Fusion devices in the boot walk: every example with one boots with FusionD, vfio_fusiond and the guest's
// virtio driver in order; the member slices go to hiaggre_dslice and back at teardown; members in use are
// refused; a member can be added and removed live.
import {readdirSync, readFileSync} from 'node:fs'

import {beforeAll, describe, expect, it} from 'vitest'

import {loadAndValidate} from '../../definition/index.js'
import {queueMapProblems} from '../../fusion/queue-map.js'
import {loadHost} from '../host/index.js'
import type {HostState} from '../host/model.js'
import {bootVm, changeFusionMembers, teardownVm} from './index.js'
import {HIAGGRE_DSLICE} from './fusion.js'

let host: HostState
beforeAll(async () => {
  host = await loadHost()
})

const withFusion = readdirSync('examples').filter((f) => f.endsWith('.yaml') && /fusion:/.test(readFileSync(`examples/${f}`, 'utf8')))

describe('fusion devices in the boot walk', () => {
  it('covers the examples that have fusion devices', () => {
    expect(withFusion).toEqual(expect.arrayContaining(['fusion-blk-ap.yaml', 'fusion-net-aa.yaml', 'cluster-ubmem.yaml']))
  })

  for (const file of withFusion)
    it(`${file}: FusionD builds, vfio_fusiond realizes, the guest probes one virtio device; teardown gives the slices back`, async () => {
      const {vm} = await loadAndValidate(`examples/${file}`)
      const r = bootVm(vm, host)
      expect(r.ok, r.ok ? '' : JSON.stringify(r.error)).toBe(true)
      if (!r.ok) return
      for (const f of vm.ub!.fusion) {
        const fi = r.guest.fusion!.find((x) => x.spec.name === f.name)!
        expect(fi.spec.members).toHaveLength(f.members.length)
        expect(queueMapProblems(fi.map, fi.view.map((v) => v === 'up'))).toEqual([])
        for (const m of fi.hostMembers) expect(r.host.entities.find((e) => e.guid === m.guid)!.driver).toBe(HIAGGRE_DSLICE)
        const mine = r.events.filter((e) => e.detail.includes(f.name))
        const order = ['register', f.transport === 'pci' ? 'mdev create' : 'UB model', f.transport === 'pci' ? 'vfio-pci realize' : 'vfio-ub realize', `${f.kind.replace('-', '_')} probe`]
        const at = order.map((a) => mine.findIndex((e) => e.action === a))
        expect(at.every((i) => i >= 0), JSON.stringify(at)).toBe(true)
        expect([...at].sort((a, b) => a - b)).toEqual(at)
        if (f.transport === 'pci') expect(fi.realized.pci).toMatchObject({vendor: 0x1af4, device: 0x1040 + {'virtio-net': 1, 'virtio-blk': 2, 'virtio-scsi': 8}[f.kind]})
        else {
          // the UB device model is configured by the guest like any UB device: EID, token id, USI
          const d = r.guest.devices.find((x) => x.name === f.name)!
          expect(d).toMatchObject({eid: f.eid, ready: true, hostUent: -1})
          expect(d.usi.vectors).toBe(f.queues + 1)
        }
      }
      const down = teardownVm(r.guest, r.host).host
      for (const e of down.entities) expect(e.driver, e.guid).toBe(host.entities.find((x) => x.guid === e.guid)!.driver)
    })

  it('refuses a member another VM’s fusion device already holds', async () => {
    const {vm} = await loadAndValidate('examples/fusion-blk-ap.yaml')
    const first = bootVm(vm, host)
    if (!first.ok) throw new Error(first.error.message)
    const other = {...vm, name: 'other', ub: {...vm.ub!, busInstance: {...vm.ub!.busInstance, guid: 'cc08-a000-0-0-000000-0000000000003332'}, devices: []}}
    const second = bootVm(other, first.host)
    expect(second.ok).toBe(false)
    if (!second.ok) expect(second.error.message).toBe(`fblk0: member ssd-ctrl-a (${vm.ub!.fusion[0].members[0].host!.guid}) is in use by hiaggre_dslice`)
  })

  it('adds and removes a member live: the queue map takes it in and lets it go', async () => {
    const {vm} = await loadAndValidate('examples/fusion-net-aa.yaml')
    const r = bootVm(vm, host)
    if (!r.ok) throw new Error(r.error.message)
    const spare = host.entities.find((e) => e.pool?.class === 'dpu' && e.driver !== HIAGGRE_DSLICE)!
    const f = vm.ub!.fusion[0]
    const after = {...vm, ub: {...vm.ub!, fusion: [{...f, members: [...f.members, {host: {guid: spare.guid}, card: 'dpu-card-9', weight: 2}]}]}}
    const added = changeFusionMembers(r.guest, r.host, after, {added: [{device: 'fnet0', guid: spare.guid}], removed: []})
    if (!added.ok) throw new Error(added.error.message)
    const fi = added.guest.fusion![0]
    expect(fi.spec.members.map((m) => m.name)).toContain('dpu-card-9')
    expect(fi.map.active.filter((m) => m === 4).length).toBeGreaterThan(0)
    expect(queueMapProblems(fi.map, fi.view.map((v) => v === 'up'), {weights: fi.spec.members.map((m) => m.weight)})).toEqual([])
    expect(added.host.entities.find((e) => e.guid === spare.guid)!.driver).toBe(HIAGGRE_DSLICE)
    expect(added.events.some((e) => e.action === 'add member')).toBe(true)
    const removed = changeFusionMembers(added.guest, added.host, vm, {added: [], removed: [{device: 'fnet0', guid: spare.guid}]})
    if (!removed.ok) throw new Error(removed.error.message)
    const back = removed.guest.fusion![0]
    expect(back.spec.members).toHaveLength(4)
    expect(back.map.active.every((m) => m >= 0 && m < 4)).toBe(true)
    expect(removed.host.entities.find((e) => e.guid === spare.guid)!.driver).toBe(spare.driver)
  })
})
