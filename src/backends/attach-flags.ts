// virsh's attach-device/detach-device flag semantics (virsh(1), libvirt 9.0): no flag = live; --live and
// --config may be combined; --current is live when running, config when stopped, and excludes the others;
// --persistent is config when stopped, live+config when running. Conflicts are virsh's own messages.
import {UbmgrError, UsageError} from '../ground/errors.js'

export interface AttachFlags {
  live?: boolean
  config?: boolean
  persistent?: boolean
  current?: boolean
}

export interface AttachScope {
  live: boolean
  config: boolean
}

/** Check the flag combination (before anything else, and in virsh's order: persistent/current comes first). */
export function checkAttachFlags(f: AttachFlags): void {
  if (f.persistent && f.current) throw new UsageError('error: Options --persistent and --current are mutually exclusive')
  if (f.current && f.live) throw new UsageError('error: Options --current and --live are mutually exclusive')
  if (f.current && f.config) throw new UsageError('error: Options --current and --config are mutually exclusive')
}

/** Resolve flags against the domain's state; refuses what libvirt refuses. */
export function attachScope(f: AttachFlags, running: boolean, persistent: boolean): AttachScope {
  checkAttachFlags(f)
  let scope: AttachScope
  if (f.current) scope = running ? {live: true, config: false} : {live: false, config: true}
  else if (f.persistent) scope = {live: running, config: true}
  else if (!f.live && !f.config) scope = {live: true, config: false}
  else scope = {live: Boolean(f.live), config: Boolean(f.config)}
  if (f.persistent && f.live) scope.live = true
  if (scope.live && !running) throw new UbmgrError('error: Requested operation is not valid: domain is not running')
  if (scope.config && !persistent) throw new UbmgrError('error: Requested operation is not valid: cannot modify device on transient domain')
  return scope
}
