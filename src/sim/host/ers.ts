// Entity resource spaces (ERS0..2) placed in the host's MMIO window in activation order: each non-empty
// ERS gets the next start address, at least a page apart. Addresses are plain numbers while they are exact
// (below 2^53, petabytes past the window) and BigInt beyond, so that a super-node does not pay a BigInt
// per ERS; the strings are the same either way.
import type {HostEntity, HostErs} from './model.js'

/** Host MMIO window from which the simulator hands out ERS start addresses [inferred: the firmware's choice]. */
const ERS_WINDOW_BASE = 0x2c00000000
const PAGE = 0x1000
/** A device without ERS sizes in the fabric: 1 MiB and 64 KiB; others have none. */
export const DEVICE_ERS: readonly number[] = [0x100000, 0x10000, 0]
export const NO_ERS: readonly number[] = [0, 0, 0]

export class ErsWindow {
  private next: number | bigint = ERS_WINDOW_BASE

  /** One entity's ERS, in the order of its sizes. */
  place(sizes: readonly number[]): HostEntity['ers'] {
    const ers: HostErs[] = []
    for (const size of sizes) ers.push(this.placeOne(size))
    return ers as HostEntity['ers']
  }

  private placeOne(size: number): HostErs {
    if (!(size > 0)) return {size: '0x' + size.toString(16), sa: '0x0', ubba: '0x0'}
    const start = this.next
    const step = Math.max(size, PAGE)
    this.next = typeof start === 'number' && Number.isSafeInteger(start + step) ? start + step : BigInt(start) + BigInt(step)
    return {size: '0x' + size.toString(16), sa: '0x' + (typeof start === 'number' ? hex(start) : start.toString(16)), ubba: '0x0'}
  }
}

/**
 * The hex digits of a safe non-negative integer, made from two halves below 2^31: Number's radix conversion
 * of a value past 2^31 (a double) takes several times as long, and a super-node has a million ERS addresses.
 */
function hex(n: number): string {
  if (n < 0x80000000) return n.toString(16)
  return Math.floor(n / 0x1000000).toString(16) + (n % 0x1000000).toString(16).padStart(6, '0')
}
