// Kernel-style failures of the simulated host (the errno the real ioctl or sysfs write returns).
export type Errno = 'EBUSY' | 'EINVAL' | 'ENODEV' | 'EEXIST' | 'EPERM' | 'ENOENT'

export class HostError extends Error {
  constructor(
    readonly errno: Errno,
    message: string,
  ) {
    super(message)
    this.name = 'HostError'
  }
}
