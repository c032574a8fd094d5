// A refusal of the pool: what was wrong, plus lines that say what is free or what would fit.
export class PoolError extends Error {
  constructor(
    message: string,
    readonly hints: string[] = [],
    /** the kernel's pool message response status (UB_MSG_RSP_*) when a pool message was refused */
    readonly status?: number,
  ) {
    super(message)
    this.name = 'PoolError'
  }
}
