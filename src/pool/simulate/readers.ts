// Real traces for `pool simulate --trace FILE|DIR`, format detected from the first line:
// - Alibaba cluster-trace-v2018 machine_usage.csv: no header, `machine_id,time_stamp,cpu_util_percent,
//   mem_util_percent,mem_gps,mkpi,net_in,net_out,disk_io_percent`, time in seconds. Each machine is a server with
//   one load on it; its bandwidth demand is max(net_in, net_out), read as percent of one card (the trace
//   normalises them; ubmgr's reading). Empty fields are missing samples.
// - Bitbrains GWA-T-12 (fastStorage/Rnd), one file per VM: a header `Timestamp [ms];\tCPU cores;…;\tNetwork
//   received throughput [KB/s];\tNetwork transmitted throughput [KB/s]`, separator ";\t", timestamps in seconds
//   despite the label. Demand is max(received, transmitted) KB/s (1 KB = 1024 bytes); VMs are put on servers
//   in file order, `vmsPerServer` to a server (the trace has no placement).
// Samples are averaged into steps of `stepSeconds`; a step with no sample keeps the previous value. Every reader
// is bounded: line length, number of series, steps, and the size of the demand matrix.
import {createReadStream} from 'node:fs'
import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {createInterface} from 'node:readline'

import {UbmgrError} from '../../ground/errors.js'
import {matrixTrace, type DemandTrace} from './trace.js'

export type TraceFormat = 'alibaba-machine-usage' | 'bitbrains'

export const LIMITS = {lineBytes: 65536, series: 200_000, steps: 100_000, cells: 60_000_000, files: 20_000}

export interface ReadOptions {
  stepSeconds: number
  cardMbps: number
  vmsPerServer: number
}

const BITBRAINS_HEADER = /^Timestamp \[ms\];\s*CPU cores;/

export function detectFormat(firstLine: string, file: string): TraceFormat {
  if (BITBRAINS_HEADER.test(firstLine)) return 'bitbrains'
  const f = firstLine.split(',')
  if (f.length === 9 && f[0] !== '' && /^\d+$/.test(f[1])) return 'alibaba-machine-usage'
  throw new UbmgrError(`${file}: not a trace ubmgr reads: expected Alibaba v2018 machine_usage rows (machine_id,time_stamp,…,net_in,net_out,disk_io_percent) or a Bitbrains per-VM CSV ("Timestamp [ms];\\tCPU cores;…")`)
}

async function* lines(file: string): AsyncGenerator<{line: string; n: number}> {
  const rl = createInterface({input: createReadStream(file, {encoding: 'utf8'}), crlfDelay: Infinity})
  let n = 0
  try {
    for await (const line of rl) {
      n++
      if (line.length > LIMITS.lineBytes) throw new UbmgrError(`${file}:${n}: line longer than ${LIMITS.lineBytes} bytes`)
      yield {line, n}
    }
  } finally {
    rl.close()
  }
}

async function firstLine(file: string): Promise<string> {
  for await (const {line} of lines(file)) return line
  throw new UbmgrError(`${file}: empty trace file`)
}

/** Samples of one series, to be averaged into steps. */
class Series {
  readonly t: number[] = []
  readonly v: number[] = []
}

export async function readTrace(path: string, options: ReadOptions): Promise<DemandTrace & {format: TraceFormat; files: number}> {
  let files: string[]
  try {
    files = (await stat(path)).isDirectory() ? (await readdir(path)).filter((f) => f.endsWith('.csv')).sort(byNumber).map((f) => join(path, f)) : [path]
  } catch {
    throw new UbmgrError(`${path}: cannot read trace`)
  }
  if (files.length === 0) throw new UbmgrError(`${path}: no .csv files`)
  if (files.length > LIMITS.files) throw new UbmgrError(`${path}: more than ${LIMITS.files} files`)
  const format = detectFormat(await firstLine(files[0]), files[0])
  const series = new Map<string, Series>()
  const take = (id: string) => {
    let s = series.get(id)
    if (!s) {
      if (series.size >= LIMITS.series) throw new UbmgrError(`${path}: more than ${LIMITS.series} machines or VMs`)
      series.set(id, (s = new Series()))
    }
    return s
  }
  for (const file of files) {
    if (detectFormat(await firstLine(file), file) !== format) throw new UbmgrError(`${file}: a ${format} trace cannot mix formats`)
    if (format === 'bitbrains') await readBitbrains(file, take(file))
    else await readAlibaba(file, take, options.cardMbps)
  }
  const name = `${format} ${path}: ${series.size} ${format === 'bitbrains' ? 'VMs' : 'machines'}`
  return {...toTrace(name, [...series.values()], format, options), format, files: files.length}
}

const byNumber = (a: string, b: string) => (parseInt(a, 10) || 0) - (parseInt(b, 10) || 0) || a.localeCompare(b)

async function readAlibaba(file: string, take: (id: string) => Series, cardMbps: number): Promise<void> {
  for await (const {line, n} of lines(file)) {
    if (line === '') continue
    const f = line.split(',')
    if (f.length !== 9) throw new UbmgrError(`${file}:${n}: expected 9 fields (machine_id,time_stamp,…,net_in,net_out,disk_io_percent), found ${f.length}`)
    const ts = Number(f[1])
    if (!Number.isFinite(ts) || f[1] === '') throw new UbmgrError(`${file}:${n}: time_stamp '${f[1]}' is not a number`)
    if (f[6] === '' && f[7] === '') continue
    const pct = Math.max(Number(f[6] || 0), Number(f[7] || 0))
    if (!Number.isFinite(pct) || pct < 0) throw new UbmgrError(`${file}:${n}: net_in/net_out '${f[6]}'/'${f[7]}' are not percentages`)
    const s = take(f[0])
    s.t.push(ts)
    s.v.push((pct / 100) * cardMbps)
  }
}

async function readBitbrains(file: string, s: Series): Promise<void> {
  let rx = -1
  let tx = -1
  for await (const {line, n} of lines(file)) {
    const f = line.split(';').map((x) => x.trim())
    if (n === 1) {
      rx = f.indexOf('Network received throughput [KB/s]')
      tx = f.indexOf('Network transmitted throughput [KB/s]')
      if (rx < 0 || tx < 0) throw new UbmgrError(`${file}:1: no 'Network received/transmitted throughput [KB/s]' columns`)
      continue
    }
    if (line.trim() === '') continue
    const ts = Number(f[0])
    const kbps = Math.max(Number(f[rx]), Number(f[tx]))
    if (!Number.isFinite(ts) || !Number.isFinite(kbps) || kbps < 0) throw new UbmgrError(`${file}:${n}: expected a timestamp and network throughputs, found '${line.slice(0, 80)}'`)
    s.t.push(ts)
    s.v.push((kbps * 1024 * 8) / 1e6)
  }
}

function toTrace(name: string, all: Series[], format: TraceFormat, o: ReadOptions): DemandTrace {
  const used = all.filter((s) => s.t.length > 0)
  if (used.length === 0) throw new UbmgrError(`${name}: no samples`)
  let t0 = Infinity
  let t1 = -Infinity
  for (const s of used)
    for (const t of s.t) {
      if (t < t0) t0 = t
      if (t > t1) t1 = t
    }
  const steps = Math.floor((t1 - t0) / o.stepSeconds) + 1
  if (steps > LIMITS.steps) throw new UbmgrError(`${name}: ${steps} steps of ${o.stepSeconds} s: more than ${LIMITS.steps}; use a longer --step`)
  const vms = used.length
  if (vms * steps > LIMITS.cells) throw new UbmgrError(`${name}: ${vms} series × ${steps} steps is more than ${LIMITS.cells} values; use a longer --step or fewer files`)
  const demand = new Float32Array(vms * steps)
  const sum = new Float64Array(steps)
  const count = new Uint32Array(steps)
  used.forEach((s, v) => {
    sum.fill(0)
    count.fill(0)
    for (let i = 0; i < s.t.length; i++) {
      const k = Math.floor((s.t[i] - t0) / o.stepSeconds)
      sum[k] += s.v[i]
      count[k]++
    }
    let last = 0
    for (let k = 0; k < steps; k++) {
      if (count[k] > 0) last = sum[k] / count[k]
      demand[k * vms + v] = last
    }
  })
  const perServer = format === 'bitbrains' ? Math.max(1, o.vmsPerServer) : 1
  const serverOf = Int32Array.from({length: vms}, (_, v) => Math.floor(v / perServer))
  return matrixTrace({name, steps, stepSeconds: o.stepSeconds, cardMbps: o.cardMbps, vms, servers: Math.ceil(vms / perServer), serverOf, demand, compute: {base: 0.12, perLoad: 0.7}})
}
