// The IO generator and its checks, in fio's terms so a blktests user reads them as such.
// Block: every virtqueue is one fio job (blk-mq gives each CPU's software queue a hardware queue, i.e. a
// virtqueue) with its own region of the device (fio offset_increment), random offsets, `iodepth` requests
// in flight, and optionally `rate_iops` with Poisson arrivals (fio rate_process=poisson). Every write carries
// a verify header {offset, numberio, rand_seed} and its CRC-32C (fio --verify=crc32c); every read is checked
// against the last write the guest saw complete at that offset. A write that failed leaves its block
// undefined, as a SCSI or NVMe write error does. Non-idempotent writes (VIRTIO_BLK_T_ZONE_APPEND for
// virtio-blk, COMPARE AND WRITE for virtio-scsi) are a share of writes; running one twice is a duplicate.
// Net: packets with a sequence number per TX queue (one flow per queue); the receiver counts what never
// arrives (lost) and what arrives after a later sequence number (reordered).
// [INF] The verify header stands in for the block's bytes: ubmgr checksums the header, not 4 KiB of data.
import CRC32C from 'crc-32/crc32c.js'

import type {FusionKind} from './model.js'

export interface BlockWorkload {
  kind: 'block'
  rw: 'randread' | 'randwrite' | 'randrw'
  /** Percentage of reads for randrw (fio rwmixread). */
  rwmixread: number
  /** Block size, bytes (fio bs). */
  bs: number
  /** Requests in flight per virtqueue (fio iodepth, one job per virtqueue). */
  iodepth: number
  /** Total requests per second over all virtqueues, Poisson arrivals; 0 = closed loop (as fast as completions allow). */
  rateIops: number
  /** Blocks of the device the jobs share out (fio size / bs). */
  blocks: number
  /** Percentage of writes that are non-idempotent. */
  nonIdempotent: number
}

export interface NetWorkload {
  kind: 'net'
  /** Packets per second over all TX queues (Poisson arrivals). */
  pps: number
  /** Frame size, bytes. */
  size: number
  /** Descriptors a member queue holds before it drops (the NIC's TX ring). */
  ring: number
}

export type Workload = BlockWorkload | NetWorkload

/** The workload each device kind gets unless told otherwise. */
export function defaultWorkload(kind: FusionKind): Workload {
  if (kind === 'virtio-net') return {kind: 'net', pps: 1_000_000, size: 1500, ring: 4096}
  return {kind: 'block', rw: 'randrw', rwmixread: 50, bs: 4096, iodepth: 16, rateIops: 0, blocks: 1 << 20, nonIdempotent: 5}
}

const SIZE = /^(\d+)([kKmM]?)$/
const parseSize = (v: string): number | undefined => {
  const m = SIZE.exec(v)
  if (!m) return undefined
  return Number(m[1]) * (m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1024 : 1024 * 1024)
}

type Field = {key: string; parse: (v: string) => number | string | undefined; help: string}

const int = (min: number, max: number) => (v: string) => (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? Number(v) : undefined)
const FIELDS: Record<Workload['kind'], Record<string, Field>> = {
  block: {
    rw: {key: 'rw', parse: (v) => (['randread', 'randwrite', 'randrw'].includes(v) ? v : undefined), help: 'randread, randwrite or randrw'},
    rwmixread: {key: 'rwmixread', parse: int(0, 100), help: 'a percentage 0..100'},
    bs: {key: 'bs', parse: (v) => {
      const n = parseSize(v)
      return n !== undefined && n >= 512 && n <= 1 << 20 && n % 512 === 0 ? n : undefined
    }, help: 'a multiple of 512 from 512 to 1M, e.g. 4k'},
    iodepth: {key: 'iodepth', parse: int(1, 1024), help: 'an integer 1..1024'},
    rate_iops: {key: 'rateIops', parse: int(0, 100_000_000), help: 'requests per second, 0 for closed loop'},
    blocks: {key: 'blocks', parse: int(64, 1 << 26), help: 'an integer 64..67108864'},
    nonidempotent: {key: 'nonIdempotent', parse: int(0, 100), help: 'a percentage of writes 0..100'},
  },
  net: {
    pps: {key: 'pps', parse: int(1, 1_000_000_000), help: 'packets per second'},
    size: {key: 'size', parse: int(64, 65535), help: 'a frame size 64..65535'},
    ring: {key: 'ring', parse: int(1, 1 << 20), help: 'descriptors per member queue'},
  },
}

/**
 * A workload from `key=value,…` (fio's option names), on top of the kind's default; `default` alone is the
 * default. Returns the problems instead, one per bad item.
 */
export function parseWorkload(text: string, kind: FusionKind): {workload: Workload} | {problems: string[]} {
  const base = defaultWorkload(kind)
  const out: Record<string, unknown> = {...base}
  const problems: string[] = []
  const fields = FIELDS[base.kind]
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== 'default')) {
    const eq = item.indexOf('=')
    const key = eq < 0 ? item : item.slice(0, eq)
    const field = fields[key]
    if (!field) {
      problems.push(`--workload: unknown option '${key}' for ${kind} (known: ${Object.keys(fields).join(', ')})`)
      continue
    }
    const value = eq < 0 ? undefined : field.parse(item.slice(eq + 1))
    if (value === undefined) problems.push(`--workload: ${key} must be ${field.help} (got '${eq < 0 ? '' : item.slice(eq + 1)}')`)
    else out[field.key] = value
  }
  return problems.length > 0 ? {problems} : {workload: out as unknown as Workload}
}

export function describeWorkload(w: Workload): string {
  if (w.kind === 'net') return `pps=${w.pps},size=${w.size},ring=${w.ring}`
  return `rw=${w.rw},rwmixread=${w.rwmixread},bs=${w.bs},iodepth=${w.iodepth},rate_iops=${w.rateIops},blocks=${w.blocks},nonidempotent=${w.nonIdempotent}`
}

/** fio's verify header of one block, checksummed with CRC-32C. */
export function verifyCrc(header: Uint32Array, lba: number, numberio: number, seed: number): number {
  header[0] = lba
  header[1] = numberio
  header[2] = seed
  return CRC32C.buf(new Uint8Array(header.buffer, 0, 12)) >>> 0
}

/**
 * The shared backing store the members reach (like a LUN behind dm-multipath's paths) and the guest's
 * expectations. `numberio` 0 is the prefill every block starts with; -1 means "undefined after a failed write".
 */
export class BlockStore {
  private readonly crc: Uint32Array
  private readonly numberio: Int32Array
  private readonly expected: Int32Array
  private readonly header = new Uint32Array(3)
  verifyFailures = 0
  reads = 0

  constructor(
    blocks: number,
    private readonly seed: number,
  ) {
    this.crc = new Uint32Array(blocks)
    this.numberio = new Int32Array(blocks)
    this.expected = new Int32Array(blocks)
    for (let lba = 0; lba < blocks; lba++) this.crc[lba] = verifyCrc(this.header, lba, 0, seed)
  }

  /** The device executes a write. */
  write(lba: number, numberio: number): void {
    this.numberio[lba] = numberio
    this.crc[lba] = verifyCrc(this.header, lba, numberio, this.seed)
  }

  /** The device executes a read: what comes back is the header and checksum now stored. */
  read(lba: number): {numberio: number; crc: number} {
    return {numberio: this.numberio[lba], crc: this.crc[lba]}
  }

  /** The guest saw a write complete, or fail. */
  acknowledge(lba: number, numberio: number, ok: boolean): void {
    this.expected[lba] = ok ? numberio : -1
  }

  /** fio's check of a completed read: the header's checksum, then that it is the last write to this block. */
  verifyRead(lba: number, got: {numberio: number; crc: number}): boolean {
    this.reads++
    const intact = verifyCrc(this.header, lba, got.numberio, this.seed) === got.crc
    const want = this.expected[lba]
    const ok = intact && (want < 0 || got.numberio === want)
    if (!ok) this.verifyFailures++
    return ok
  }
}

/** The receiving end of a net workload: per-flow sequence numbers. */
export class NetReceiver {
  private readonly highest: Int32Array
  delivered = 0
  reordered = 0

  constructor(flows: number) {
    this.highest = new Int32Array(flows).fill(-1)
  }

  receive(flow: number, seq: number): void {
    this.delivered++
    if (seq < this.highest[flow]) this.reordered++
    else this.highest[flow] = seq
  }
}
