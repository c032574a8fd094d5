// Plain data the fusion layers exchange: the aggregated device and its members as FusionD sees them once
// the slices' drivers have registered. Everything here is JSON-serializable so a running domain can keep
// it in the store; the simulator (src/sim) hands members in as plain data and never the other way round.
//
// No public source describes FusionD, vfio_fusiond, hiaggre_virtio or hiaggre_dslice (checked against the
// openEuler trees; the talk announces them for 2026 H2). The shapes below are ubmgr's model of the talk's
// layering, anchored on the nearest real code: the kernel's drivers/ub/urma/ubagg (a bonding device over up
// to UBAGG_DEV_MAX_NUM = 20 slaves, per-queue slave tables with enabled_indices) and umdk's URMA bond
// provider (active-backup and balance scheduling, failover resend, failback).

import type {Failback, FusionKind, FusionMode, QueuePolicy} from '../definition/types.js'

export type {Failback, FusionKind, FusionMode, QueuePolicy}

/** ubagg_types.h UBAGG_DEV_MAX_NUM: the most slaves one aggregated device can have. */
export const FUSION_MAX_MEMBERS = 20

/** What hiaggre_dslice reports for one physical slice through the framework's ops. */
export interface MemberHardware {
  /** Sustained bandwidth of the slice, MB/s (= bytes/µs). */
  bandwidthMBps: number
  /** Device service latency per request, µs (media or wire time, excluding the link hop). */
  latencyUs: number
  /** One-way latency of the UB hop between host and card, µs. */
  hopUs: number
  /** Hardware queues the slice offers. */
  queues: number
}

export interface MemberSpec extends MemberHardware {
  /** Stable name: the card name, unique within the device. */
  name: string
  card: string
  /** Host GUID of the slice, when it is a UB entity. */
  guid?: string
  weight: number
  role?: 'primary' | 'secondary'
}

export interface FusionSpec {
  name: string
  kind: FusionKind
  mode: FusionMode
  policy: QueuePolicy
  failback: Failback
  /** Virtqueues the guest sees (request queues for blk/scsi, TX queues for net). */
  queues: number
  members: MemberSpec[]
}

/**
 * Default hardware of a slice when the host does not describe it. [INF] ubmgr's assumptions, not measured
 * figures: an NVMe-class SSD-controller slice (3.2 GB/s, ~80 µs media latency), a 100 Gbit/s DPU/NIC slice
 * (10 µs), and a 5 µs UB hop (Oasis measured 4–7 µs for a NIC over CXL; Meili ≤ 8 µs).
 */
export function defaultHardware(kind: FusionKind, bandwidthMbps?: number, queues?: number): MemberHardware {
  const net = kind === 'virtio-net'
  return {
    bandwidthMBps: bandwidthMbps !== undefined ? bandwidthMbps / 8 : net ? 12500 : 3200,
    latencyUs: net ? 10 : 80,
    hopUs: 5,
    queues: queues ?? 16,
  }
}
