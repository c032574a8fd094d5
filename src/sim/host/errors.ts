// Kernel-style failures of the simulated host: the errno the real ioctl, sysfs write or message handler
// returns, and the kernel's own log text for it (pr_err/dev_err/ub_err in drivers/ub/ubus).
export type Errno = 'EBUSY' | 'EINVAL' | 'ENODEV' | 'EEXIST' | 'EPERM' | 'ENOENT' | 'ENOSPC' | 'EFAULT'

export const ERRNO: Record<Errno, number> = {EPERM: 1, ENOENT: 2, EFAULT: 14, EBUSY: 16, EEXIST: 17, ENODEV: 19, EINVAL: 22, ENOSPC: 28}

export class HostError extends Error {
  constructor(
    readonly errno: Errno,
    /** The kernel's log line for this failure, verbatim (its format filled in). */
    message: string,
    /** Which entity or instance it concerns, when the kernel's line does not say. */
    readonly context?: string,
  ) {
    super(message)
    this.name = 'HostError'
  }

  /** "-EBUSY: dev already bind instance (uent 00005)". */
  get text(): string {
    return `-${this.errno}: ${this.message}${this.context ? ` (${this.context})` : ''}`
  }
}
