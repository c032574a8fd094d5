/** A problem found in the data, before it is given a file position. */
export interface RuleProblem {
  pointer: string
  message: string
  hint?: string
  /** Schema keyword or the stack rule's id. */
  rule: string
  /** Point at the property's key rather than its value (unknown or misplaced properties). */
  key?: boolean
  /** A warning is printed but does not make the definition invalid. Default: error. */
  severity?: 'warning'
}

// Rules run on data that may have failed the schema: read it defensively.
export const list = (value: unknown): Array<Record<string, unknown>> =>
  Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : []
export const obj = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

