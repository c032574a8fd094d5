// A problem found in a user's file: the record every layer reports and the CLI prints.

/** One problem in a definition file, as `FILE:LINE:COL: /pointer: message` (hint on its own field). */
export interface Problem {
  file: string
  line: number
  col: number
  pointer: string
  message: string
  hint?: string
  /** Which check found it: a JSON Schema keyword, or the stack rule's id (e.g. "eid-unique"). */
  rule: string
  /** error: the definition is refused; warning: it is accepted, and the problem is printed. */
  severity: Severity
}

export type Severity = 'error' | 'warning'

export const isError = (p: Pick<Problem, 'severity'>): boolean => p.severity !== 'warning'

/**
 * `FILE:LINE:COL: /pointer: message — hint: …`, one line; load errors without a position drop it.
 * Warnings read `FILE:LINE:COL: warning: /pointer: …`, as compilers print them.
 */
export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file
  const pointer = p.pointer === '' && p.rule === 'load' ? '' : `${p.pointer || '/'}: `
  const severity = p.severity === 'warning' ? 'warning: ' : ''
  return `${where}: ${severity}${pointer}${p.message}${p.hint ? ` — hint: ${p.hint}` : ''}`
}
