// Error classes every command shares. A UbmgrError is the user's problem (bad input, refused operation):
// printed exactly as its lines (name the file first, "FILE:LINE:COL: …", or write virsh's "error: …"),
// no stack trace, exit 1. A UsageError is a wrong invocation: exit 2.
// Anything else is a bug: one line, and the stack only with UBMGR_DEBUG=1.

export class UbmgrError extends Error {
  readonly lines: string[]
  constructor(
    message: string | string[],
    readonly exitCode = 1,
    /** Machine-readable details for --json output. */
    readonly details?: Record<string, unknown>,
  ) {
    const lines = Array.isArray(message) ? message : [message]
    super(lines.join('\n'))
    this.lines = lines
    this.name = 'UbmgrError'
  }
}

export class UsageError extends UbmgrError {
  constructor(message: string | string[], details?: Record<string, unknown>) {
    super(message, 2, details)
    this.name = 'UsageError'
  }
}

export const debugEnabled = (): boolean => process.env.UBMGR_DEBUG === '1'
