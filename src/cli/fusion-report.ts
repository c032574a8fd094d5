// Text for the fusion commands: a data-plane run's report, the guest-visible comparison, a device's status.
import type {IoReport} from '../fusion/report.js'
import type {GuestVisibleRow} from '../fusion/guest-visible.js'
import type {FusionStatus} from '../fusion/control.js'

const f = (x: number | null, digits = 1) => (x === null ? '—' : x.toFixed(digits))

/** Columns padded to their widest cell. */
export function table(head: string[], rows: string[][], right: number[] = []): string[] {
  const w = head.map((h, i) => rows.reduce((max, r) => Math.max(max, r[i].length), h.length))
  const line = (cells: string[]) => cells.map((c, i) => (right.includes(i) ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd()
  return [line(head), ...rows.map(line)]
}

export function ioReportText(r: IoReport): string {
  const out = [
    `${r.device}: ${r.kind}, ${r.mode}, policy ${r.policy} — ${r.ios} requests, seed ${r.seed}, detection ${r.detection}, ${r.simulated_ms} ms simulated`,
    `workload  ${r.workload}`,
    `faults    ${r.faults.join(', ') || 'none'}`,
    '',
    ...table(
      ['member', 'card', 'MB/s', 'requests', 'queues', 'state'],
      r.members.map((m) => [m.name, m.card, m.throughput_mbps.toFixed(0), String(m.ios), String(m.queues), m.state]),
      [2, 3, 4],
    ),
    '',
    `throughput ${r.throughput_mbps.toFixed(0)} MB/s, ${r.iops} requests/s; latency µs p50 ${f(r.latency_us.p50)} p99 ${f(r.latency_us.p99)} max ${f(r.latency_us.max)}`,
    `detect_ms ${f(r.detect_ms, 3)}  switch_ms ${f(r.switch_ms, 3)}  interruption_ms ${f(r.interruption_ms, 3)}  inflight_requeued ${r.inflight_requeued}  completed_from_log ${r.completed_from_log}  remaps ${r.remaps}`,
    r.kind === 'virtio-net'
      ? `packets_lost ${r.packets_lost}  reordered ${r.reordered}  ios_lost ${r.ios_lost}`
      : `ios_lost ${r.ios_lost}  verify_failures ${r.verify_failures}  duplicates ${r.duplicates}  ios_failed ${r.ios_failed}`,
  ]
  if (r.events.length > 0) {
    out.push('', 'events (simulated ms)')
    for (const e of r.events.filter((x) => x.kind !== 'remap').slice(0, 40)) out.push(`  ${e.t_ms.toFixed(3).padStart(10)}  ${e.kind.padEnd(15)} ${e.detail}`)
    const remaps = r.events.filter((x) => x.kind === 'remap').length
    if (remaps > 0) out.push(`  (${remaps} load remap(s) by ${r.policy})`)
  }
  return (r.comparison ? out.concat('', comparisonText(r.comparison)) : out).join('\n')
}

export function comparisonText(rows: GuestVisibleRow[]): string[] {
  return [
    'the same fault without an aggregated device (simulated with each mechanism’s documented defaults)',
    ...table(
      ['mechanism', 'interruption ms', 'lost', 'dup', 'failed', 'guest sees', 'guest must configure'],
      rows.map((r) =>
        r.applicable
          ? [r.mechanism, f(r.interruption_ms), String(r.ios_lost + r.packets_lost), String(r.duplicates), String(r.ios_failed), r.guest_sees, r.guest_configures]
          : [r.mechanism, '—', '—', '—', '—', 'n/a', r.reason ?? ''],
      ),
      [1, 2, 3, 4],
    ),
  ]
}

export function statusText(s: FusionStatus): string {
  const out = [
    `${s.device}: ${s.kind} over ${s.transport}, ${s.mode}, policy ${s.policy}, failback ${s.failback}; ${s.queues} virtqueues; ${s.health}`,
    '',
    ...table(
      ['member', 'card', 'guid', 'state', 'role', 'weight', 'queues', 'load %', 'MB/s'],
      s.members.map((m) => [m.name, m.card, m.guid ?? '-', m.state + (m.failback_due ? ` (failback ${m.failback_due})` : ''), m.role ?? '-', String(m.weight), String(m.queues), m.load_pct.toFixed(1), m.throughput_mbps.toFixed(0)]),
      [5, 6, 7, 8],
    ),
    '',
    'queue map (virtqueue → member:queue)',
  ]
  const cells = s.queue_map.map((q) => `${String(q.vq).padStart(3)} → ${q.member === null ? '-' : `${q.member}:${q.queue}`}`)
  for (let i = 0; i < cells.length; i += 4) out.push('  ' + cells.slice(i, i + 4).map((c) => c.padEnd(26)).join('').trimEnd())
  const events = s.events.length > 0 ? ['', 'recent events'].concat(s.events.map((e) => `  ${e.at}  ${e.kind.padEnd(9)} ${e.detail}`)) : []
  return out.concat(events, ['', `load: ${s.load_basis}`]).join('\n')
}
