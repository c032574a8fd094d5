// The simulator as users run it: sim boot, sim inspect (fresh and of a running domain), host enumerate,
// topology and generate.
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, tempDir} from './helpers/cli.js'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => ({dir, cleanup} = await tempDir()))
afterAll(() => cleanup())

describe('ubmgr sim and host', () => {
  it('sim boot prints the walk by phase and ends running', async () => {
    const r = await runCli(['sim', 'boot', 'examples/dpu-passthrough.yaml'])
    expect(r.exitCode).toBe(0)
    for (const phase of ['libvirt prepare', 'qemu realize', 'firmware', 'guest ummu init', 'guest topology scan', 'guest config'])
      expect(r.stdout).toContain(`== ${phase}`)
    expect(r.stdout).toContain('UB_CFG1_WRITE: dpu0 0x400b4 dev_token_id')
    expect(r.stderr).toMatch(/^dpu-vm-01: running, 1 UB device\(s\) ready, \d+ steps, \d+ µs simulated$/)
  })

  it('sim boot --json is {name, state, events} and deterministic for a seed', async () => {
    const a = JSON.parse((await runCli(['sim', 'boot', 'examples/multi-device.yaml', '--json', '--seed', '3'])).stdout)
    const b = JSON.parse((await runCli(['sim', 'boot', 'examples/multi-device.yaml', '--json', '--seed', '3'])).stdout)
    expect(a).toEqual(b)
    expect(Object.keys(a)).toEqual(['name', 'state', 'events'])
    expect(a.state).toBe('running')
    expect(Object.keys(a.events[0])).toEqual(['seq', 't_us', 'phase', 'component', 'action', 'detail'])
  })

  it('sim boot fails with the stack’s message and exit 1', async () => {
    const file = join(dir, 'bad-guid.yaml')
    const text = await readFile('examples/multi-device.yaml', 'utf8')
    await (await import('node:fs/promises')).writeFile(file, text.replace('guestGuid: cc08-d806-0-1-000000-0000000000000001', 'guestGuid: cc08-d806-0-1-000000-0000000000000001\n      eid: auto').replace('cc08-d805-0-1-000000-0000000000220001', 'cc08-d805-0-1-000000-0000003735879681'))
    const r = await runCli(['sim', 'boot', file])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toBe('error: libvirt prepare: virub: no UB device with guid cc08-d805-0-1-000000-0000003735879681 under /sys/bus/ub/devices')
  })

  it('sim inspect of a running domain and of a definition', async () => {
    const env = {UBMGR_STATE_DIR: join(dir, 'state')}
    expect((await runCli(['define', 'examples/multi-device.yaml'], {env})).exitCode).toBe(0)
    expect((await runCli(['start', 'storage-node-07'], {env})).exitCode).toBe(0)
    const r = await runCli(['sim', 'inspect', 'storage-node-07', '--device', 'nic0'], {env})
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain('KV table (DstEID → tecte_tag): 0x20007→1')
    expect(r.stdout).toContain('00040024: 000000e0  cfg1_support') // ubbas, ers0s, ers1s
    expect(r.stdout).toContain('nic0: vectors 0..31')
    const fresh = await runCli(['sim', 'inspect', '--file', 'examples/multi-device.yaml'])
    expect(fresh.stdout.split('\n').slice(0, 8)).toEqual(r.stdout.split('\n').slice(0, 8))
    const reset = await runCli(['sim', 'reset', 'storage-node-07', '--device', 'nic0'], {env})
    expect(reset.exitCode).toBe(0)
    expect(reset.stdout).toContain('VFIO_DEVICE_RESET: nic0: ub_reset_entity (ELR, CFG1 0x40070)')
    const after = await runCli(['sim', 'inspect', 'storage-node-07', '--device', 'nic0'], {env})
    expect(after.stdout).not.toContain('cfg1_token_id')
    expect(after.stdout).toMatch(/cc08-d803-0-1-000000-0000000000110001 .* no\n/)
    expect((await runCli(['destroy', 'storage-node-07'], {env})).exitCode).toBe(0)
    expect((await runCli(['sim', 'inspect', 'storage-node-07'], {env})).stderr).toBe('error: Requested operation is not valid: domain is not running')
  })

  it('host enumerate shows /sys/bus/ub/devices and /sys/bus/ub/instance', async () => {
    const r = await runCli(['host', 'enumerate'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/^# \/sys\/bus\/ub\/devices\nuent +name +guid/)
    expect(r.stdout).toContain('# /sys/bus/ub/instance\ncount 0x1, from 0, show 0x1\nguid:cc08-a000-0-0-000000-0000000000000001 type:0 eid:00002 upi:7fff')
    expect(r.stderr).toMatch(/^default: 121 entities, 120 links, 147 TOPO_QUERY/)
  })

  it('host generate, then enumerate and draw the generated fabric', async () => {
    const out = join(dir, 'gen.yaml')
    const g = await runCli(['host', 'generate', '--nodes', '2', '--devices-per-node', '40', '--seed', '9', '-o', out])
    expect(g).toMatchObject({exitCode: 0, stderr: `wrote ${out}: 86 entities, 84 links (yaml)`})
    const e = JSON.parse((await runCli(['host', 'enumerate', '--host', out, '--json'])).stdout)
    expect(e.stats).toMatchObject({entities: 86, maxRank: 2})
    const dot = await runCli(['host', 'topology', '--host', out, '--format', 'dot', '--collapse', '0'])
    expect(dot.stdout.startsWith('graph ub {\n  rankdir=LR;')).toBe(true)
    expect(dot.stdout.match(/ -- /g)).toHaveLength(84)
    expect(dot.stdout.match(/subgraph cluster_/g)).toHaveLength(2) // one per server
    expect(dot.stdout).toContain('label="n0-ubc0\\nibus_controller 000000\\nEID 0x1 · 00001"')
    const collapsed = await runCli(['host', 'topology', '--host', out, '--format', 'dot'])
    expect(collapsed.stdout).toMatch(/label="31 devices\\n[a-z0-9 ·]+\\nEID 0x[0-9a-f]+\.\.0x[0-9a-f]+"/)
    const mermaid = await runCli(['host', 'topology', '--host', out, '--format', 'mermaid'])
    expect(mermaid.stdout.startsWith('flowchart LR\n  subgraph s0["n0"]')).toBe(true)
    const text = await runCli(['host', 'topology', '--host', out])
    expect(text.stdout.split('\n')[0]).toMatch(/^n0-ubc0 ibus_controller 00001 cc08-a000-0-2-000000-0000000000000001/)
    const json = JSON.parse((await runCli(['host', 'topology', '--host', out, '--json'])).stdout)
    expect([json.nodes.length, json.edges.length]).toEqual([86, 84])
    expect(json.nodes[0]).toEqual({id: 'e1', uent: 1, name: 'n0-ubc0', kind: 'ibus_controller', class: 'ibus_controller', classCode: 0, eid: 1, server: 'n0'})
    const svg = join(dir, 'gen.svg')
    expect((await runCli(['host', 'topology', '--host', out, '--format', 'svg', '-o', svg])).exitCode).toBe(0)
    expect(await readFile(svg, 'utf8')).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*>n0&#45;ubc0<\/text>[\s\S]*<\/svg>\s*$/)
    const servers = await runCli(['host', 'topology', '--host', out, '--format', 'dot', '--servers', 'always'])
    expect(servers.stdout).toContain('label="n1\\nn1-ubc0 EID 0x3\\n2 switch(es), 40 devices')
  })

  it('host generate -o - writes JSON to stdout, not a file named "-"', async () => {
    const r = await runCli(['host', 'generate', '--nodes', '1', '--devices-per-node', '2', '-o', '-'], {cwd: dir})
    expect(JSON.parse(r.stdout)).toMatchObject({name: 'generated-1x2-seed1', cluster: false})
    expect(r.stderr).toBe('wrote stdout: 4 entities, 3 links (json)')
  })

  it('host export-sysfs and host enumerate --host sysfs:DIR', async () => {
    const tree = join(dir, 'tree')
    const w = await runCli(['host', 'export-sysfs', tree])
    expect(w.exitCode).toBe(0)
    expect(await readFile(join(tree, 'devices', '00006', 'guid'), 'utf8')).toBe('cc08-d802-0-1-000000-0000000000655361\n')
    const a = await runCli(['host', 'enumerate'])
    const b = await runCli(['host', 'enumerate', '--host', `sysfs:${tree}`])
    expect(b.exitCode).toBe(0)
    // the same rows, but for the names the fabric gives and sysfs does not have
    const rows = (text: string) => text.split('\n').map((line) => line.split(/ +/).filter((_, i) => i !== 1).join(' '))
    expect(rows(b.stdout)).toEqual(rows(a.stdout))
    expect(b.stderr).toMatch(/: 121 entities, 1 bus instances, read in \d+ ms$/)
  })
})
