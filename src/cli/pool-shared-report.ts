// Text for the shared-pool verbs: agent events and ledger changes, one line each.
import type {AgentEvent} from '../backends/sim/shared-pool.js'
import type {LedgerChange} from '../pool/shared.js'

/** UBSE's host failure detection, for comparison: heartbeat every 2 s, 3 missed. */
export const UBSE_DETECT_MS = 6000

const ms = (n: number | null) => (n === null ? 'unknown' : `${n} ms`)

export function agentLine(e: AgentEvent): string {
  switch (e.event) {
    case 'joined':
      return `${e.host}: joined with lease ${e.lease} (ttl ${e.ttl} s); watching the other hosts`
    case 'lease-lost':
      return `${e.host}: lease ${e.lease} lost (${e.detail}); joining again`
    case 'lease-granted':
      return `${e.host}: lease ${e.lease} (${e.detail})`
    case 'host-lost':
      return `${e.host}: host ${e.lost} lost: detected ${ms(e.detectMs)} after its last keepalive (lease ttl ${e.ttlMs} ms; UBSE: ~${UBSE_DETECT_MS} ms, heartbeat 2 s × 3)`
    case 'orphaned':
      return `${e.host}: ${e.busInstances.length} bus instance(s) of ${e.lost} marked orphaned: ${e.busInstances.join(', ')}`
    case 'rehomed': {
      const n = e.adopted.reduce((k, a) => k + a.slices.length, 0)
      return `${e.host}: re-homed ${e.adopted.length} bus instance(s), ${n} slice(s) of ${e.lost} here in ${e.rehomeMs} ms after detection (detection ${ms(e.detectMs)})`
    }
    case 'stranded-rehomed':
      return e.moves.map((m) => `${e.host}: re-homed ${m.owner} ${m.from} → ${m.to}: ${m.reason}`).join('\n')
    case 'dropped':
      return `${e.host}: released ${e.busInstances.length} bus instance(s) re-homed to other hosts while this one was away: ${e.busInstances.join(', ')}`
    case 'error':
      return `${e.host}: error: ${e.detail}`
    case 'stopped':
      return `${e.host}: agent stopped (lease left to expire: a restart within the ttl keeps this host's slices)`
  }
}

export function changeLine(c: LedgerChange): string {
  return `rev ${c.revision} ${c.kind} ${c.subject}: ${c.detail}`
}
