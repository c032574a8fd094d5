// Faults injected into members, and the operator's failback, on the simulated clock.
//   link-down   the member's link goes down (UB link loss); back after `durationUs` if given
//   card-reset  Entity Level Reset of the card: down for the reset time, then back by itself
//   slow        the card keeps working at 1/factor of its bandwidth and factor × its latency
//   all-down    every member's link goes down at once
//   failback    an operator moves traffic back (failback: manual)
// Written `KIND[:MEMBER]@TIME[+DURATION][*FACTOR]`, comma-separated, e.g. `link-down:0@200ms+300ms`,
// `slow:ssd-b@1s*8`, `all-down@100ms+50ms`, `failback@2s`; MEMBER is an index or a member (card) name.
// [INF] An ELR takes 100 ms in this model, by analogy with PCIe's function-level reset, after which software
// must wait 100 ms before touching the function; UB's ELR time is not published.
import type {Random} from './engine.js'

export type FaultKind = 'link-down' | 'card-reset' | 'slow' | 'all-down' | 'failback'
export const FAULT_KINDS: FaultKind[] = ['link-down', 'card-reset', 'slow', 'all-down', 'failback']

export interface Fault {
  kind: FaultKind
  /** Member index; absent for all-down and failback. */
  member?: number
  atUs: number
  /** Until the member is restored; absent = for the rest of the run (card-reset: the reset time). */
  durationUs?: number
  /** slow: bandwidth ÷ factor, latency × factor. */
  factor?: number
}

export const ELR_US = 100_000
export const SLOW_FACTOR = 4

const TIME = /^(\d+(?:\.\d+)?)(us|µs|ms|s)$/
export function parseTime(text: string): number | undefined {
  const m = TIME.exec(text)
  if (!m) return undefined
  return Number(m[1]) * (m[2] === 's' ? 1e6 : m[2] === 'ms' ? 1e3 : 1)
}

const FAULT = /^([a-z-]+)(?::([^@]+))?@([^+*]+)(?:\+([^*]+))?(?:\*(\d+))?$/

/** Faults from `--faults` (not `random`/`none`); problems one per bad item. */
export function parseFaults(text: string, members: string[]): {faults: Fault[]} | {problems: string[]} {
  const faults: Fault[] = []
  const problems: string[] = []
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = FAULT.exec(item)
    if (!m) {
      problems.push(`--faults: '${item}' is not KIND[:MEMBER]@TIME[+DURATION][*FACTOR] (e.g. link-down:0@200ms+300ms)`)
      continue
    }
    const [, kind, who, at, duration, factor] = m
    if (!FAULT_KINDS.includes(kind as FaultKind)) {
      problems.push(`--faults: unknown fault '${kind}' in '${item}' (known: ${FAULT_KINDS.join(', ')})`)
      continue
    }
    const needsMember = kind === 'link-down' || kind === 'card-reset' || kind === 'slow'
    let member: number | undefined
    if (needsMember) {
      member = who === undefined ? undefined : /^\d+$/.test(who) ? Number(who) : members.indexOf(who)
      if (member === undefined || member < 0 || member >= members.length) {
        problems.push(`--faults: '${item}' needs a member: an index 0..${members.length - 1} or one of ${members.join(', ')}`)
        continue
      }
    } else if (who !== undefined) {
      problems.push(`--faults: ${kind} takes no member ('${item}')`)
      continue
    }
    const atUs = parseTime(at)
    const durationUs = duration === undefined ? undefined : parseTime(duration)
    if (atUs === undefined || (duration !== undefined && durationUs === undefined)) {
      problems.push(`--faults: times in '${item}' must be a number with us, ms or s (e.g. 250ms)`)
      continue
    }
    if (factor !== undefined && kind !== 'slow') {
      problems.push(`--faults: *FACTOR applies to slow only ('${item}')`)
      continue
    }
    faults.push({kind: kind as FaultKind, member, atUs, durationUs: kind === 'card-reset' ? (durationUs ?? ELR_US) : durationUs, factor: kind === 'slow' ? Number(factor ?? SLOW_FACTOR) : undefined})
  }
  return problems.length > 0 ? {problems} : {faults: faults.sort((a, b) => a.atUs - b.atUs)}
}

/**
 * `count` random member faults over a run expected to last `spanUs`, every one restored: mostly
 * single-member link losses and resets, some slow cards, now and then every member at once (the blktests
 * pattern of paths logged out and back in while fio verifies). Outages last 2–12% of the span (an ELR its
 * reset time), so they overlap now and then.
 */
export function randomFaults(rnd: Random, members: number, spanUs: number, count: number): Fault[] {
  const faults: Fault[] = []
  for (let i = 0; i < count; i++) {
    const atUs = spanUs * (0.05 + 0.8 * rnd.next())
    const durationUs = spanUs * (0.02 + 0.1 * rnd.next())
    const r = rnd.next()
    if (r < 0.08) faults.push({kind: 'all-down', atUs, durationUs: durationUs / 4})
    else if (r < 0.5) faults.push({kind: 'link-down', member: rnd.int(members), atUs, durationUs})
    else if (r < 0.8) faults.push({kind: 'card-reset', member: rnd.int(members), atUs, durationUs: ELR_US})
    else faults.push({kind: 'slow', member: rnd.int(members), atUs, durationUs, factor: SLOW_FACTOR})
  }
  return faults.sort((a, b) => a.atUs - b.atUs)
}

export function describeFault(f: Fault, names: string[]): string {
  const who = f.member === undefined ? '' : `:${names[f.member] ?? f.member}`
  const dur = f.durationUs === undefined ? '' : `+${+(f.durationUs / 1000).toFixed(3)}ms`
  return `${f.kind}${who}@${+(f.atUs / 1000).toFixed(3)}ms${dur}${f.factor ? `*${f.factor}` : ''}`
}
