// Sizes with binary units, numbers written as int or 0x-hex, and bandwidths.

const SIZE_RE = /^([1-9][0-9]{0,15}) ?(KiB|MiB|GiB|TiB)$/
const UNIT_KIB: Record<string, bigint> = {KiB: 1n, MiB: 1024n, GiB: 1024n ** 2n, TiB: 1024n ** 3n}

/** "16GiB" → 16777216 (KiB), or undefined if malformed. */
export function sizeToKiB(size: string): bigint | undefined {
  const m = SIZE_RE.exec(size)
  if (!m) return undefined
  return BigInt(m[1]) * UNIT_KIB[m[2]]
}

/** The largest unit that divides the value exactly: 16777216 KiB → "16GiB". */
export function kibToSize(kib: bigint): string {
  for (const unit of ['TiB', 'GiB', 'MiB'] as const) {
    const f = UNIT_KIB[unit]
    if (kib % f === 0n && kib / f > 0n) return `${kib / f}${unit}`
  }
  return `${kib}KiB`
}

/** 12, "0xc" → 12n; undefined for anything else. */
export function toBigInt(value: number | string | undefined): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined
  if (typeof value === 'string' && /^0[xX][0-9a-fA-F]+$/.test(value)) return BigInt(value.toLowerCase())
  return undefined
}

export function toInt(value: number | string | undefined): number | undefined {
  const b = toBigInt(value)
  return b !== undefined && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : undefined
}

export const hex = (n: number | bigint): string => '0x' + n.toString(16)

/** "50Gbit/s" → 50000 (Mbit/s). */
export function bandwidthToMbps(text: string): number | undefined {
  const m = /^([1-9][0-9]{0,5}) ?(Mbit\/s|Gbit\/s)$/.exec(text)
  if (!m) return undefined
  return Number(m[1]) * (m[2] === 'Gbit/s' ? 1000 : 1)
}
