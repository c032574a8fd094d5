// /sys/bus/ub as inventory: export the simulated host, read it back, get the same inventory; readers bounded.
import {mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {normalize} from '../../definition/normalize.js'
import {bootVm} from '../vm/walk.js'
import {loadHost} from './index.js'
import type {HostState} from './model.js'
import {exportSysfs, readSysfs} from './sysfs-tree.js'

const root = join(tmpdir(), `ubmgr-sysfs-${process.pid}`)
afterAll(() => rm(root, {recursive: true, force: true}))

/** What sysfs carries of a host: everything the kernel prints, nothing the fabric file alone knows. */
function inventory(s: HostState) {
  return {
    cluster: s.cluster,
    instances: s.instances.map(({guid, type, eid, upi}) => ({guid, type, eid, upi})),
    entities: s.entities.map((e) => ({
      uentNum: e.uentNum,
      guid: e.guid,
      kind: e.kind,
      classCode: e.classCode,
      eid: e.eid,
      cna: e.cna,
      upi: e.upi,
      tid: e.tid,
      entityIdx: e.entityIdx,
      ubc: e.ubc,
      instanceEid: e.instanceEid,
      topoRank: e.topoRank,
      driver: e.driver,
      driverOverride: e.driverOverride,
      totalUes: e.totalUes,
      ers: e.ers.map((r) => ({size: r.size, sa: BigInt(r.size) > 0n ? r.sa : '0x0'})),
      ports: e.ports.map((p) => ({index: p.index, cna: p.cna, boundary: p.boundary, remote: p.remote})),
    })),
  }
}

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (d: string, rel: string) => {
    for (const entry of await readdir(d, {withFileTypes: true})) {
      const path = join(d, entry.name)
      if (entry.isDirectory()) await walk(path, `${rel}${entry.name}/`)
      else if (entry.isFile()) out[`${rel}${entry.name}`] = await readFile(path, 'utf8')
      else out[`${rel}${entry.name}`] = 'symlink'
    }
  }
  await walk(dir, '')
  return out
}

describe('host export-sysfs and --host sysfs:', () => {
  it('round trip: export, read back, same inventory; a second export is byte-identical', async () => {
    const base = await loadHost()
    // a running VM: a dynamic BI, devices on vfio-ub with driver_override
    const r = bootVm(normalize({name: 'vm', vcpus: 1, memory: '1GiB', ub: {busInstance: {guid: 'cc08-a000-0-0-000000-0000000000000101'}, devices: [{name: 'd0', host: {guid: 'cc08-d802-0-1-000000-0000000000655361'}}]}}), base)
    if (!r.ok) throw new Error(r.error.message)
    const a = join(root, 'a')
    await exportSysfs(r.host, a)
    const read = await readSysfs(a)
    expect(inventory(read)).toEqual(inventory(r.host))
    expect(read.entities.find((e) => e.driver === 'vfio-ub')).toMatchObject({driverOverride: 'vfio-ub', instanceEid: r.host.instances[1].eid})
    const b = join(root, 'b')
    await exportSysfs(read, b)
    expect(await tree(b)).toEqual(await tree(a))
    expect((await tree(a))['devices/00006/instance']).toBe('0x07b\n') // the dynamic BI's EID: the lowest free one of the local IDA
    // loadHost understands the prefix
    expect(inventory(await loadHost(`sysfs:${a}`))).toEqual(inventory(read))
  })

  it('refuses a directory that is not empty, and leaves it alone', async () => {
    const d = join(root, 'full')
    await mkdir(d, {recursive: true})
    await writeFile(join(d, 'keep'), 'x')
    await expect(exportSysfs(await loadHost(), d)).rejects.toThrow(`${d}: exists and is not an empty directory`)
    expect(await readdir(d)).toEqual(['keep'])
  })

  it('a malformed or oversized attribute is one clear error naming the file', async () => {
    const d = join(root, 'bad')
    await exportSysfs(await loadHost(), d)
    await writeFile(join(d, 'devices', '00002', 'eid'), 'three\n')
    await expect(readSysfs(d)).rejects.toThrow(`${join(d, 'devices', '00002', 'eid')}: expected a decimal number, got "three"`)
    await writeFile(join(d, 'devices', '00002', 'eid'), '9'.repeat(5000))
    await expect(readSysfs(d)).rejects.toThrow('longer than a sysfs page (4096 bytes)')
    await expect(readSysfs(join(root, 'nothing'))).rejects.toThrow('not a /sys/bus/ub tree')
  })
})
