import type {Problem} from '../definition/index.js'

/** `FILE:LINE:COL: /pointer: message — hint: …`, one line; load errors without a position drop it. */
export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file
  const pointer = p.pointer === '' && p.rule === 'load' ? '' : `${p.pointer || '/'}: `
  return `${where}: ${pointer}${p.message}${p.hint ? ` — hint: ${p.hint}` : ''}`
}
