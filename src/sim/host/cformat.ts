// The printf conversions the kernel's sysfs files use, exactly as C prints them: the alternate form
// (%#x) adds "0x" only to non-zero values, and the zero-padded width counts the "0x".

/** C's `%#0{width}x` (width 0: `%#x`). */
export function altHex(n: number | bigint, width = 0): string {
  const digits = n.toString(16)
  if (n === 0 || n === 0n) return '0'.padStart(Math.max(width, 1), '0')
  return '0x' + digits.padStart(width - 2, '0')
}

/** C's `%0{width}x`. */
export const padHex = (n: number | bigint, width: number): string => n.toString(16).padStart(width, '0')

/** The uent directory name, `%05x`. */
export const uentName = (n: number): string => padHex(n, 5)

/** The kernel's guid string for log lines: `"%#llx %llx"` of the GUID's high and low 64 bits. */
export function guidLogText(guid: string): string {
  const hex = guid.replace(/-/g, '')
  const high = BigInt('0x' + hex.slice(0, 16))
  const low = BigInt('0x' + hex.slice(16))
  return `${altHex(high)} ${low.toString(16)}`
}
