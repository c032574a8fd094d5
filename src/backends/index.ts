// Open the backend a URI names.
import type {RenderTarget} from '../xml/render.js'
import {backendKind, resolveUri, simStoreName} from './uri.js'
import type {Backend} from './types.js'
import {onExit} from '../ground/closers.js'

export async function openBackend(connect: string | undefined, target?: RenderTarget): Promise<Backend> {
  const uri = resolveUri(connect)
  if (backendKind(uri) === 'sim') {
    const [{SimBackend}, {EmbeddedStore}, {settingsFromEnv}] = await Promise.all([import('./sim/backend.js'), import('./sim/store.js'), import('./sim/open-etcd.js')])
    const shared = settingsFromEnv()
    if (!shared) return new SimBackend(uri, new EmbeddedStore(simStoreName(uri)))
    // $UBMGR_POOL=etcd://…: pool requests get their slices from the super-node's shared ledger
    const [{openEtcd}, {sharedLedger}] = await Promise.all([import('./sim/open-etcd.js'), import('./sim/ledger-access.js')])
    const backend = new SimBackend(uri, new EmbeddedStore(simStoreName(uri)), sharedLedger(() => openEtcd(shared)))
    // etcd's grpc channels would keep the process alive: closed when the command ends
    onExit(() => backend.close())
    return backend
  }
  const {LibvirtBackend} = await import('./libvirt/backend.js')
  return new LibvirtBackend(uri, target)
}

export type {Backend} from './types.js'
