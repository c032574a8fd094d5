// /sys/bus/ub as files: write the simulated host as a tree in the kernel's formats (export), and read such
// a tree, a real UB host's /sys/bus/ub included, back as the host inventory. Reads are bounded: at most
// UENT_NUM_END entity directories, 256 ports each, one page per attribute file.
import {lstat, mkdir, open, readdir, readlink, rename, rm, stat, symlink, writeFile} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {UbmgrError} from '../../ground/errors.js'
import {uentName} from './cformat.js'
import {entityKind} from './enumerate.js'
import {classOfCode, DEFAULT_LOCAL_RANGE} from './fabric.js'
import type {BusInstanceTypeCode, HostEntity, HostState} from './model.js'
import {clusterFile, entityFiles, instanceFile, portFiles} from './sysfs.js'

/** ubus_entity.c UENT_NUM_END: no more entity directories than uent numbers. */
const UENT_NUM_END = 0xfffff
/** enum.h PORT_TOTAL_NUM_MAX. */
const MAX_PORTS = 256
/** A sysfs attribute is at most one page. */
const PAGE_SIZE = 4096

/** Write the host to DIR (which must not exist or be empty) as DIR/{devices,drivers,instance,cluster}, all at once. */
export async function exportSysfs(state: HostState, dir: string): Promise<{entities: number; files: number}> {
  const existing = await stat(dir).catch(() => undefined)
  if (existing && (!existing.isDirectory() || (await readdir(dir)).length > 0)) throw new UbmgrError(`${dir}: exists and is not an empty directory`)
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}`)
  await rm(tmp, {recursive: true, force: true})
  let files = 0
  const put = async (path: string, text: string) => {
    await writeFile(path, text)
    files++
  }
  try {
    await mkdir(join(tmp, 'devices'), {recursive: true})
    const drivers = new Set<string>()
    for (const e of state.entities) {
      const d = join(tmp, 'devices', uentName(e.uentNum))
      await mkdir(d)
      for (const [name, text] of Object.entries(entityFiles(state, e))) await put(join(d, name), text)
      for (const p of e.ports) {
        await mkdir(join(d, `port${p.index}`))
        for (const [name, text] of Object.entries(portFiles(p))) await put(join(d, `port${p.index}`, name), text)
      }
      if (e.driver) {
        drivers.add(e.driver)
        await symlink(join('..', '..', 'drivers', e.driver), join(d, 'driver'))
      }
    }
    for (const name of drivers) await mkdir(join(tmp, 'drivers', name), {recursive: true})
    await put(join(tmp, 'instance'), instanceFile(state))
    await put(join(tmp, 'cluster'), clusterFile(state))
    if (existing) await rm(dir, {recursive: true})
    await rename(tmp, dir)
  } catch (error) {
    await rm(tmp, {recursive: true, force: true})
    throw error
  }
  return {entities: state.entities.length, files}
}

/** One attribute file, at most a page; its text without the trailing newline. */
async function attr(path: string): Promise<string> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw new UbmgrError(`${path}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  try {
    const buf = Buffer.alloc(PAGE_SIZE + 1)
    const {bytesRead} = await handle.read(buf, 0, buf.length, 0)
    if (bytesRead > PAGE_SIZE) throw new UbmgrError(`${path}: longer than a sysfs page (${PAGE_SIZE} bytes)`)
    return buf.toString('utf8', 0, bytesRead).replace(/\n$/, '')
  } finally {
    await handle.close()
  }
}

const optionalAttr = (path: string) => attr(path).catch(() => undefined)

/** C's %#x / %u as printed: "0", "0x1f", decimal. */
function num(path: string, text: string, form: 'hex' | 'dec'): number {
  const ok = form === 'hex' ? /^(0x[0-9a-f]+|0+)$/.test(text) : /^\d+$/.test(text)
  if (!ok) throw new UbmgrError(`${path}: expected ${form === 'hex' ? 'a %#x number' : 'a decimal number'}, got ${JSON.stringify(text.slice(0, 40))}`)
  return form === 'hex' ? Number.parseInt(text, 16) : Number(text)
}

const GUID_RE = /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]-[0-9a-f]-[0-9a-f]{6}-[0-9a-f]{16}$/
const HEXNUM = '(0x[0-9a-f]+|0+)'
const LINK_RE = new RegExp(`^${HEXNUM} : ${HEXNUM} \\[${HEXNUM}\\]$`)
const RESOURCE_RE = new RegExp(`^${HEXNUM} ${HEXNUM} ${HEXNUM}$`)
const INSTANCE_RE = /^guid:(\S+) type:([0-3]) eid:([0-9a-f]{5,}) upi:([0-9a-f]{4,})$/

/** Read DIR (default /sys/bus/ub) as a host: DIR/devices/%05x, their portN directories, DIR/instance, DIR/cluster. */
export async function readSysfs(dir = '/sys/bus/ub'): Promise<HostState> {
  const devicesDir = join(dir, 'devices')
  let names: string[]
  try {
    names = (await readdir(devicesDir)).filter((n) => /^[0-9a-f]{5}$/.test(n))
  } catch {
    throw new UbmgrError(`${devicesDir}: cannot read: not a /sys/bus/ub tree`)
  }
  if (names.length > UENT_NUM_END) throw new UbmgrError(`${devicesDir}: ${names.length} entries, more than uent numbers exist (${UENT_NUM_END})`)
  names.sort()
  const entities: HostEntity[] = []
  for (const name of names) entities.push(await readEntity(join(devicesDir, name), name))
  const instancePath = join(dir, 'instance')
  const instanceText = await attr(instancePath)
  const lines = instanceText.split('\n')
  if (!/^count (0x[0-9a-f]+|0), from (0x[0-9a-f]+|0), show (0x[0-9a-f]+|0)$/.test(lines[0] ?? '')) throw new UbmgrError(`${instancePath}: first line is not "count %#x, from %#x, show %#x"`)
  const instances = lines.slice(1).map((line, i) => {
    const m = INSTANCE_RE.exec(line)
    if (!m || !GUID_RE.test(m[1])) throw new UbmgrError(`${instancePath}:${i + 2}: not "guid:<guid> type:%01x eid:%05x upi:%04x"`)
    const eid = Number.parseInt(m[3], 16)
    const owner = entities.find((e) => e.kind === 'ibus_controller')
    return {guid: m[1], type: Number(m[2]) as BusInstanceTypeCode, eid, upi: Number.parseInt(m[4], 16), ubc: owner?.uentNum ?? 0}
  })
  const clusterText = await optionalAttr(join(dir, 'cluster'))
  const maxEid = entities.reduce((n, e) => (e.eid > n ? e.eid : n), 0)
  const maxCna = entities.reduce((n, e) => (e.cna > n ? e.cna : n), 0)
  const state: HostState = {
    fabric: `sysfs:${dir}`,
    cluster: clusterText === '1',
    // the firmware's local ranges are not in sysfs: QEMU's 1..0xffff, widened to what the entities use [inferred]
    firmware: {eid: [DEFAULT_LOCAL_RANGE[0], Math.max(DEFAULT_LOCAL_RANGE[1], maxEid)], cna: [DEFAULT_LOCAL_RANGE[0], Math.max(DEFAULT_LOCAL_RANGE[1], maxCna)]},
    entities,
    instances,
  }
  rankFromControllers(state)
  return state
}

async function readEntity(d: string, name: string): Promise<HostEntity> {
  const a = (file: string) => attr(join(d, file))
  const guid = await a('guid')
  if (!GUID_RE.test(guid)) throw new UbmgrError(`${join(d, 'guid')}: not a UB GUID: ${JSON.stringify(guid.slice(0, 40))}`)
  const classCode = num(join(d, 'class_code'), await a('class_code'), 'hex')
  const type = num(join(d, 'type'), await a('type'), 'hex')
  const kind = entityKind(type, classCode, false)
  if (!kind) throw new UbmgrError(`${d}: GUID type ${type} with class code ${classCode} is no kernel entity type`)
  const override = await a('driver_override')
  const driver = await readlink(join(d, 'driver')).then(
    (target) => basename(target),
    () => null,
  )
  const ers = (await a('resource')).split('\n').map((line, i) => {
    const m = RESOURCE_RE.exec(line)
    if (!m) throw new UbmgrError(`${join(d, 'resource')}:${i + 1}: not "%#016llx %#016llx %#016llx"`)
    const [start, end, flags] = [m[1], m[2], m[3]].map((x) => BigInt(/^0+$/.test(x) ? 0 : x))
    const size = flags === 0n ? 0n : end - start + 1n
    return {size: '0x' + size.toString(16), sa: '0x' + start.toString(16), ubba: '0x0'}
  })
  if (ers.length !== 3) throw new UbmgrError(`${join(d, 'resource')}: expected 3 lines (ERS0..2), got ${ers.length}`)
  const links = new Map<number, {index: number; uentNum: number}>()
  for (const line of (await a('direct_link')).split('\n').filter(Boolean)) {
    const m = LINK_RE.exec(line)
    if (!m) throw new UbmgrError(`${join(d, 'direct_link')}: not "%#04x : %#04x [%#05x]": ${JSON.stringify(line.slice(0, 40))}`)
    links.set(Number.parseInt(m[1], 16) || 0, {index: Number.parseInt(m[2], 16) || 0, uentNum: Number.parseInt(m[3], 16) || 0})
  }
  const portNames = (await readdir(d)).filter((n) => /^port\d+$/.test(n))
  if (portNames.length > MAX_PORTS) throw new UbmgrError(`${d}: ${portNames.length} port directories, more than ${MAX_PORTS}`)
  const ports = []
  for (const pn of portNames.sort((x, y) => Number(x.slice(4)) - Number(y.slice(4)))) {
    const index = Number(pn.slice(4))
    const pd = join(d, pn)
    if (!(await lstat(pd)).isDirectory()) continue
    const cna = num(join(pd, 'cna'), await attr(join(pd, 'cna')), 'hex')
    const boundary = num(join(pd, 'boundary'), await attr(join(pd, 'boundary')), 'hex') === 1
    const neighborGuid = await optionalAttr(join(pd, 'neighbor_guid'))
    const link = links.get(index)
    ports.push({index, type: 'physical' as const, cna, boundary, shareable: false, ...(link && neighborGuid && GUID_RE.test(neighborGuid) ? {remote: {guid: neighborGuid, index: link.index, uentNum: link.uentNum}} : {})})
  }
  const uentNum = Number.parseInt(name, 16)
  const totalUes = await optionalAttr(join(d, 'ub_totalues'))
  const cls = kind === 'device' || kind === 'idevice' ? classOfCode(classCode) : undefined
  return {
    uentNum,
    name,
    guid,
    kind,
    classCode,
    eid: num(join(d, 'eid'), await a('eid'), 'dec'),
    cna: num(join(d, 'primary_cna'), await a('primary_cna'), 'hex'),
    upi: num(join(d, 'upi'), await a('upi'), 'hex'),
    tid: num(join(d, 'tid'), await a('tid'), 'dec'),
    entityIdx: num(join(d, 'entity_idx'), await a('entity_idx'), 'dec'),
    ubc: num(join(d, 'ubc'), await a('ubc'), 'hex'),
    instanceEid: num(join(d, 'instance'), await a('instance'), 'hex'),
    topoRank: 0,
    driver,
    driverOverride: override === '(null)' ? null : override,
    ports,
    ers: ers as HostEntity['ers'],
    usiVectors: 0,
    totalUes: totalUes === undefined ? 0 : num(join(d, 'ub_totalues'), totalUes, 'dec'),
    pooled: false,
    userEid: 0,
    node: `ubc ${uentName(num(join(d, 'ubc'), await a('ubc'), 'hex'))}`,
    // sysfs carries no UBPRM attributes: the class comes from the class code, bandwidth and queues are unknown (0)
    ...(cls ? {pool: {class: cls, card: name, slice: 'pfe' as const, bandwidthMbps: 0, queues: 0, compute: 0, slot: 0, chip: 0, die: 0}} : {}),
  }
}

/** topo_rank is not in sysfs: hops from the controllers, over the ports' neighbours. */
function rankFromControllers(state: HostState): void {
  const byUent = new Map(state.entities.map((e) => [e.uentNum, e]))
  const seen = new Set<number>()
  const queue: HostEntity[] = []
  for (const e of state.entities)
    if (e.kind === 'ibus_controller') {
      seen.add(e.uentNum)
      queue.push(e)
    }
  for (let head = 0; head < queue.length; head++) {
    const e = queue[head]
    for (const p of e.ports) {
      const r = p.remote && byUent.get(p.remote.uentNum)
      if (!r || seen.has(r.uentNum)) continue
      seen.add(r.uentNum)
      r.topoRank = e.topoRank + 1
      queue.push(r)
    }
  }
}
