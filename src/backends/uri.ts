// Which backend a command talks to: -c/--connect URI, else $UBMGR_DEFAULT_URI, else virsh's own
// $LIBVIRT_DEFAULT_URI (so a virsh user's setting carries over), else the embedded simulator sim:///default. Any other URI goes to libvirt through virsh.
import {UsageError} from '../ground/errors.js'

export const DEFAULT_URI = 'sim:///default'

export type BackendKind = 'sim' | 'libvirt'

export function resolveUri(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const uri = flag ?? env.UBMGR_DEFAULT_URI ?? env.LIBVIRT_DEFAULT_URI ?? DEFAULT_URI
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) throw new UsageError(`error: invalid connection URI '${uri}' (expected e.g. sim:///default or qemu:///system)`)
  return uri
}

export const backendKind = (uri: string): BackendKind => (uri.startsWith('sim://') ? 'sim' : 'libvirt')

/** sim:///NAME → NAME: one embedded store per name. */
export function simStoreName(uri: string): string {
  const name = uri.replace(/^sim:\/\/[^/]*\//, '').replace(/\/+$/, '') || 'default'
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || name.startsWith('.')) throw new UsageError(`error: invalid sim URI '${uri}': the store name must be letters, digits, '_', '.' or '-'`)
  return name
}
