// A running device's EID never changes, and an attach whose explicit EID another device has (explicitly or
// as its auto EID) is refused naming both devices — live and --config alike.
import fc from 'fast-check'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {readFileSync} from 'node:fs'
import {parse} from 'yaml'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {SimBackend} from '../src/backends/sim/backend.js'
import {EmbeddedStore} from '../src/backends/sim/store.js'
import type {DeviceFile} from '../src/backends/devices.js'
import {resolvedEids} from '../src/definition/eids.js'
import type {UbVmDefinition} from '../src/definition/types.js'
import {examples, runCli, tempDir} from './helpers/cli.js'

let root: string
let cleanup: () => Promise<void>
beforeAll(async () => ({dir: root, cleanup} = await tempDir('ubmgr-eid-')))
afterAll(() => cleanup())

const dpuDef = parse(readFileSync(join(examples, 'dpu-passthrough.yaml'), 'utf8')) as UbVmDefinition

describe('the EID of a device on a running VM', () => {
  it('an explicit EID that the auto-numbered device has is refused, live and --config, naming both devices', async () => {
    const env = {UBMGR_STATE_DIR: join(root, 'cli'), UBMGR_DEFAULT_URI: 'sim:///eid'}
    expect((await runCli(['define', join(examples, 'dpu-passthrough.yaml')], {env})).exitCode).toBe(0)
    expect((await runCli(['start', 'dpu-vm-01'], {env})).exitCode).toBe(0)
    const file = join(root, 'nic-eid2.yaml')
    await writeFile(file, 'ubDevice:\n  name: nic7\n  host: {guid: cc08-d803-0-1-000000-0000000000990001}\n  eid: 2\n')
    for (const flag of ['--live', '--config']) {
      const r = await runCli(['attach-device', 'dpu-vm-01', file, flag], {env})
      expect(r.stderr, flag).toBe("error: Requested operation is not valid: EID 0x2 of 'nic7' is already used by 'dpu0'")
      expect(r.exitCode).toBe(1)
    }
    const xml = (await runCli(['dumpxml', 'dpu-vm-01'], {env})).stdout
    expect(xml).toContain("<address eid='0x2'/>")
    expect(xml).not.toContain('nic7')
  })

  // Devices from the default host the property attaches and detaches (all bindable to dpu-vm-01's bus instance).
  const pool = [
    {name: 'nic9', guid: 'cc08-d803-0-1-000000-0000000000990001'},
    {name: 'nic40', guid: 'cc08-d803-0-1-000000-0000000005242911'},
    {name: 'ssd42', guid: 'cc08-d805-0-1-000000-0000000000220001'},
    {name: 'ssd43', guid: 'cc08-d805-0-1-000000-0000000000220002'},
  ]

  it('random live attach/detach sequences never give two devices one EID, nor move a running device (property)', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({device: fc.constantFrom(...pool), eid: fc.constantFrom<'auto' | number>('auto', 2, 3, 4, 5), detach: fc.boolean()}), {minLength: 1, maxLength: 8}),
        async (ops) => {
          const dir = join(root, `prop-${run++}`)
          let attached = 0
          const backend = new SimBackend('sim:///eid', new EmbeddedStore('eid', dir))
          await backend.define(dpuDef, {dryRun: false, source: 'dpu-passthrough.yaml'})
          await backend.start('dpu-vm-01')
          const live = async () => (await new EmbeddedStore('eid', dir).readDomain('dpu-vm-01'))!.live!
          for (const op of ops) {
            const before = resolvedEids(await live())
            const file: DeviceFile = {kind: 'ub-device', def: {name: op.device.name, host: {guid: op.device.guid}, eid: op.eid, usi: {vectors: 8}}, file: 'device.yaml'}
            await (op.detach ? backend.detach('dpu-vm-01', file, {live: true}) : backend.attach('dpu-vm-01', file, {live: true})).then(
              () => (attached += op.detach ? 0 : 1),
              (error: Error) => {
                // libvirt's refusals are fine (already attached, not attached, EID in use); anything else is a bug
                if (!/^error: (Requested operation is not valid|device not found)/.test(error.message)) throw error
              },
            )
            const after = resolvedEids(await live())
            const values = [...after.values()]
            expect(new Set(values).size, JSON.stringify([...after])).toBe(values.length)
            for (const [name, eid] of after) if (before.has(name)) expect(eid, `${name} moved`).toBe(before.get(name))
          }
        },
      ),
      {numRuns: 25, seed: Number(process.env.FC_SEED ?? 7)},
    )
    expect(run).toBe(25)
  }, 180_000)
})
