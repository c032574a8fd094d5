// How FusionD learns that a member went down or came back. Two ways, as the issue and the anchors have them:
//   event    the slice driver's link-state callback (a UB link message, an ELR notification) reaches FusionD
//            after `eventUs` — dm-multipath and NVMe multipath likewise fail a path on the first I/O error;
//   polling  a monitor reads the link status every `intervalUs` (bonding's miimon, default 100 ms), then waits
//            `downDelayUs`/`upDelayUs` (bonding's downdelay/updelay, default 0, rounded down to a multiple of
//            the interval as bonding does). bonding skips updelay when no slave is active (bonding.rst §13.1).
// [INF] A down link is always noticed, even if it is up again before the next poll: MII's link-status bit
// is latching-low (IEEE 802.3 clause 22, register 1 bit 2), so the first read after a flap reports it.
// The event latency (1 ms) is ubmgr's assumption: a message through the UB Bus Controller and a driver
// callback, no measured figure exists.

export interface Detection {
  method: 'event' | 'polling'
  eventUs: number
  intervalUs: number
  downDelayUs: number
  upDelayUs: number
  /** Where in its period the polling timer runs (µs in [0, intervalUs)); drawn from the seed. */
  phaseUs: number
}

export const MIIMON_DEFAULT_MS = 100

export function defaultDetection(method: Detection['method'] = 'event'): Detection {
  return {method, eventUs: 1000, intervalUs: MIIMON_DEFAULT_MS * 1000, downDelayUs: 0, upDelayUs: 0, phaseUs: 0}
}

/** bonding: "downdelay … should be a multiple of the miimon value"; other values are rounded down. */
const roundDown = (d: Detection, us: number) => (d.method === 'polling' ? Math.floor(us / d.intervalUs) * d.intervalUs : us)

/** The first polling tick at or after t. */
export function nextTick(d: Detection, t: number): number {
  const k = Math.ceil((t - d.phaseUs) / d.intervalUs)
  return d.phaseUs + Math.max(0, k) * d.intervalUs
}

/** When a failure at `t` is declared. */
export function downDetectedAt(d: Detection, t: number): number {
  const seen = d.method === 'event' ? t + d.eventUs : nextTick(d, t)
  return seen + roundDown(d, d.downDelayUs)
}

/** When a member whose link came back at `t` is declared up; `noneActive` skips updelay as bonding does. */
export function upDetectedAt(d: Detection, t: number, noneActive: boolean): number {
  const seen = d.method === 'event' ? t + d.eventUs : nextTick(d, t)
  return seen + (noneActive ? 0 : roundDown(d, d.upDelayUs))
}
