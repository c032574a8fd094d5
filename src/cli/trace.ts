// The walk's trace for people: one line per step, grouped by phase, with simulated microseconds; colour on
// a terminal only. Text from definitions and host files is escaped before colour is added.
import {escapeForTerminal} from '../ground/text.js'
import {colour} from './colour.js'
import type {TraceEvent} from '../sim/vm/trace.js'

export function renderTrace(events: TraceEvent[]): string {
  const c = colour()
  const out: string[] = []
  let phase = ''
  for (const e of events) {
    if (e.phase !== phase) {
      phase = e.phase
      out.push(c.bold(`== ${phase}`))
    }
    const t = `${String(e.t_us).padStart(8)} µs`
    const action = e.action === 'error' ? c.red(e.action) : e.action === 'ready' ? c.green(e.action) : c.cyan(e.action)
    out.push(`${c.dim(t)}  ${escapeForTerminal(e.component).padEnd(18)} ${action}: ${escapeForTerminal(e.detail)}`)
  }
  return out.join('\n') + '\n'
}
