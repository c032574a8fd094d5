// Parsing the pool verbs' arguments: requests (CLASS,key=value,…), loads (SLICE=RATE), fractions, UPIs.
import {bandwidthToMbps, toInt} from '../definition/units.js'
import {UsageError} from '../ground/errors.js'
import type {PoolRequest} from '../pool/placement.js'

const CLASSES = ['dpu', 'nic', 'ssd', 'npu'] as const

export function parseRequest(text: string, index: number): PoolRequest {
  const [cls, ...pairs] = text.split(',')
  if (!(CLASSES as readonly string[]).includes(cls)) throw new UsageError(`error: request '${text}': the class must be one of ${CLASSES.join(', ')}`)
  const req: PoolRequest = {name: `req${index}`, class: cls as PoolRequest['class'], need: {bandwidthMbps: 0, queues: 0, compute: 0}}
  for (const pair of pairs) {
    const [key, value] = pair.split('=', 2)
    const bad = () => new UsageError(`error: request '${text}': bad ${key}${value === undefined ? '' : `=${value}`}`)
    const int = () => {
      const n = toInt(/^\d+$/.test(value ?? '') ? Number(value) : value)
      if (n === undefined) throw bad()
      return n
    }
    if (key === 'bandwidth') req.need.bandwidthMbps = bandwidthToMbps(value ?? '') ?? (() => { throw bad() })()
    else if (key === 'queues') req.need.queues = int()
    else if (key === 'compute') req.need.compute = int()
    else if (key === 'vendor') req.vendor = int()
    else if (key === 'group' && value) req.group = value
    else if (key === 'name' && value) req.name = value
    else if (key === 'whole' && value === undefined) req.whole = true
    else throw new UsageError(`error: request '${text}': unknown '${pair}' (bandwidth, queues, compute, vendor, group, name, whole)`)
  }
  return req
}

export function parseLoad(text: string): {slice: string; mbps: number} {
  const i = text.lastIndexOf('=')
  const mbps = i > 0 ? bandwidthToMbps(text.slice(i + 1)) : undefined
  if (mbps === undefined && !(i > 0 && text.slice(i + 1) === '0')) throw new UsageError(`error: '${text}' is not SLICE=RATE (e.g. pool-dpu-1/vfe0=40Gbit/s)`)
  return {slice: text.slice(0, i), mbps: mbps ?? 0}
}

export function parseFraction(flag: string, text: string): number {
  const n = Number(text)
  if (!/^\d*\.?\d+$/.test(text) || !(n > 0 && n <= 1)) throw new UsageError(`error: ${flag} must be a fraction in (0, 1], not '${text}'`)
  return n
}

export function parseUpi(text: string): number {
  const n = toInt(/^\d+$/.test(text) ? Number(text) : text)
  if (n === undefined) throw new UsageError(`error: --upi must be a number (decimal or 0x-hex), not '${text}'`)
  return n
}
