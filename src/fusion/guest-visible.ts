// What the guest would have to do without an aggregated device, on the same fault: a bond inside the guest
// (network only) and dm-multipath inside the guest (block only). Both are run through the same data plane
// with their mechanisms' documented defaults, not given as numbers:
//   bond0 mode=active-backup (bonding.rst): miimon 100 ms (the default when arp_interval is unset),
//     downdelay 0, updelay 0; the bond does not resend, frames in the detection window are lost;
//   dm-multipath (multipath.conf(5) defaults): the kernel fails a path on an I/O error and requeues the
//     request on another path (DM_ENDIO_REQUEUE, blind: it cannot know whether the dead path executed it);
//     the error surfaces by fast_io_fail_tmo 5 s or the path checker (polling_interval 5 s), whichever is
//     first; failback manual; no_path_retry fail (no queueing when no path is left).
// [INF] That a dead card's virtio path surfaces its error only after these timers (virtio-blk has no
// request timeout handler of its own) is ubmgr's reading; the timers are the documented defaults.
import {simulateIo, type IoOptions, type IoResult} from './dataplane.js'
import {defaultDetection, MIIMON_DEFAULT_MS, type Detection} from './detection.js'
import type {Fault} from './faults.js'
import type {FusionSpec} from './model.js'
import type {Workload} from './workload.js'

export interface GuestVisibleRow {
  mechanism: string
  guest_configures: string
  guest_sees: string
  detection: string
  applicable: boolean
  interruption_ms: number | null
  detect_ms: number | null
  ios_lost: number
  ios_failed: number
  duplicates: number
  packets_lost: number
  reason?: string
}

const DM_POLLING_INTERVAL_S = 5
const DM_FAST_IO_FAIL_TMO_S = 5

function row(mechanism: string, configures: string, sees: string, detection: string, r: IoResult): GuestVisibleRow {
  const loss = r.losses[0]
  return {
    mechanism,
    guest_configures: configures,
    guest_sees: sees,
    detection,
    applicable: true,
    interruption_ms: loss?.interruption_ms ?? null,
    detect_ms: loss?.detect_ms ?? null,
    ios_lost: r.lost,
    ios_failed: r.failed,
    duplicates: r.duplicates,
    packets_lost: r.packetsLost,
  }
}

const na = (mechanism: string, reason: string): GuestVisibleRow => ({
  mechanism,
  guest_configures: '—',
  guest_sees: '—',
  detection: '—',
  applicable: false,
  interruption_ms: null,
  detect_ms: null,
  ios_lost: 0,
  ios_failed: 0,
  duplicates: 0,
  packets_lost: 0,
  reason,
})

/** The aggregated device and the two guest-visible mechanisms on one fault. */
export function compareGuestVisible(spec: FusionSpec, workload: Workload, fault: Fault, o: Pick<IoOptions, 'ios' | 'seed'> & {detection: Detection}): GuestVisibleRow[] {
  const n = spec.members.length
  const kind = spec.kind.replace('virtio-', '')
  // packets are posted by the clock, not by completions: post enough to outlast a miimon detection
  if (workload.kind === 'net') o = {...o, ios: Math.max(o.ios, Math.ceil((workload.pps * (fault.atUs + 3 * MIIMON_DEFAULT_MS * 1000)) / 1e6))}
  const fusion = simulateIo(spec, workload, {...o, faults: [fault]})
  const rows = [row(`fusion ${spec.mode}`, 'nothing: one device', `one ${spec.kind} device, ${spec.queues} queues`, `${o.detection.method} (${o.detection.method === 'event' ? `${o.detection.eventUs / 1000} ms` : `every ${o.detection.intervalUs / 1000} ms`})`, fusion)]
  const ap: FusionSpec = {...spec, mode: 'active-passive', failback: 'manual', members: spec.members.map((m, i) => ({...m, role: i === 0 ? 'primary' : 'secondary'}))}
  if (spec.kind === 'virtio-net') {
    const bond = simulateIo(ap, workload, {...o, faults: [fault], detection: {...defaultDetection('polling'), intervalUs: MIIMON_DEFAULT_MS * 1000}, options: {noPathRetryUs: 0}})
    rows.push(row('bond active-backup', `${n} virtio-net NICs + bond0 mode=active-backup miimon=${MIIMON_DEFAULT_MS} (downdelay 0, updelay 0)`, `${n} NICs and bond0`, `miimon ${MIIMON_DEFAULT_MS} ms`, bond))
    rows.push(na('dm-multipath', 'multipath covers block devices only'))
  } else {
    rows.push(na('bond active-backup', 'bonding covers network devices only'))
    const dmSpec: FusionSpec = spec.mode === 'active-passive' ? ap : {...spec, policy: 'service-time', failback: 'immediate'}
    // the path fails at whichever comes first: the checker's next run or fast_io_fail_tmo
    const checker: Detection = {...defaultDetection('polling'), intervalUs: DM_POLLING_INTERVAL_S * 1e6}
    const tmo = DM_FAST_IO_FAIL_TMO_S * 1e6
    const dm = simulateIo(dmSpec, workload, {...o, faults: [fault], detection: checker, resolution: 'blind-requeue', options: {noPathRetryUs: 0}})
    const capped: Detection = {...defaultDetection('event'), eventUs: tmo}
    const viaTmo = simulateIo(dmSpec, workload, {...o, faults: [fault], detection: capped, resolution: 'blind-requeue', options: {noPathRetryUs: 0}})
    const first = (dm.losses[0]?.detect_ms ?? Infinity) <= (viaTmo.losses[0]?.detect_ms ?? Infinity) ? dm : viaTmo
    rows.push(
      row(
        'dm-multipath',
        `${n} virtio-${kind} disks + multipathd (path_grouping_policy ${spec.mode === 'active-passive' ? 'failover' : 'multibus'}, path_selector service-time, polling_interval ${DM_POLLING_INTERVAL_S}, fast_io_fail_tmo ${DM_FAST_IO_FAIL_TMO_S}, no_path_retry fail)`,
        `${n} disks and /dev/mapper/mpatha`,
        `path checker every ${DM_POLLING_INTERVAL_S} s / fast_io_fail_tmo ${DM_FAST_IO_FAIL_TMO_S} s`,
        first,
      ),
    )
  }
  return rows
}
