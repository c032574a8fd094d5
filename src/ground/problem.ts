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
}

/** `FILE:LINE:COL: /pointer: message — hint: …`, one line; load errors without a position drop it. */
export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file
  const pointer = p.pointer === '' && p.rule === 'load' ? '' : `${p.pointer || '/'}: `
  return `${where}: ${pointer}${p.message}${p.hint ? ` — hint: ${p.hint}` : ''}`
}
