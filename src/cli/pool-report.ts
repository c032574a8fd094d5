// Text for the pool verbs: the ledger as tables, moves with their reasons, check problems.
import type {CheckReport, Ledger, Move} from '../pool/index.js'
import {formatBandwidth, loadOn, ownerLabel, reservedOn} from '../pool/ledger.js'

/** Columns padded to their widest cell; the last column is not padded. */
export function table(head: string[], rows: string[][]): string {
  const width = head.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i]?.length ?? 0), h.length))
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(width[i]))).join('  ').trimEnd()
  return [line(head), ...rows.map(line)].join('\n')
}

const pct = (n: number, d: number) => (d > 0 ? `${Math.round((n / d) * 100)}%` : '-')

export function cardsTable(ledger: Ledger): string {
  return table(
    ['CARD', 'CLASS', 'DOMAIN', 'STATE', 'BANDWIDTH', 'RESERVED', 'LOAD', 'QUEUES', 'SLICES'],
    ledger.cards.map((c) => {
      const r = reservedOn(c)
      const held = c.slices.filter((s) => s.owner).length
      return [
        c.id,
        `${c.class} 0x${c.classCode.toString(16).padStart(4, '0')}`,
        `${c.domain.node}/slot${c.domain.slot}/chip${c.domain.chip}/die${c.domain.die}`,
        c.state,
        formatBandwidth(c.capacity.bandwidthMbps),
        `${formatBandwidth(r.bandwidthMbps)} (${pct(r.bandwidthMbps, c.capacity.bandwidthMbps)})`,
        `${formatBandwidth(Math.round(loadOn(c)))} (${pct(loadOn(c), c.capacity.bandwidthMbps)})`,
        `${r.queues}/${c.capacity.queues}`,
        `${held}/${c.slices.length} held`,
      ]
    }),
  )
}

export function slicesTable(ledger: Ledger, only?: string): string {
  const rows = ledger.cards
    .filter((c) => !only || c.id === only)
    .flatMap((c) =>
      c.slices.map((s) => [
        s.id,
        s.type,
        s.guid,
        `0x${s.eid.toString(16)}`,
        s.state,
        s.owner ? ownerLabel(s.owner) : '-',
        s.owner ? s.owner.busInstance : '-',
        s.reserved ? `${formatBandwidth(s.reserved.bandwidthMbps)}/${s.reserved.queues}q` : '-',
        s.loadMbps !== undefined ? formatBandwidth(Math.round(s.loadMbps)) : '-',
      ]),
    )
  return table(['SLICE', 'TYPE', 'GUID', 'EID', 'STATE', 'HELD BY', 'BUS INSTANCE', 'SHARE', 'LOAD'], rows)
}

export function busInstancesTable(ledger: Ledger): string {
  return table(
    ['BUS INSTANCE', 'EID', 'UPI', 'MADE BY POOL', 'SLICES', 'TID', 'UBA', 'SIZE'],
    ledger.busInstances.map((b) => [
      b.guid,
      `0x${b.eid.toString(16)}`,
      `0x${b.upi.toString(16)}`,
      b.createdByPool ? 'yes' : 'no',
      String(ledger.cards.reduce((n, c) => n + c.slices.filter((s) => s.owner?.busInstance === b.guid).length, 0)),
      String(b.tid),
      b.uba,
      b.size,
    ]),
  )
}

export function movesText(moves: Move[]): string {
  return moves.map((m, i) => `${i + 1}. ${m.from} → ${m.to}: ${m.reason}`).join('\n')
}

export function checkText(r: CheckReport): string {
  const head = `${r.cards} cards, ${r.slices} slices, ${r.held} held, ${r.busInstances} bus instances`
  if (r.problems.length === 0) return `${head}: ledger, host and domains agree`
  return [`${head}: ${r.problems.length} problem(s)`, ...r.problems.map((p) => `${p.kind}: ${p.subject}: ${p.message}`)].join('\n')
}
