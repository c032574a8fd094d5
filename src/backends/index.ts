// Open the backend a URI names.
import type {RenderTarget} from '../xml/render.js'
import {backendKind, resolveUri, simStoreName} from './uri.js'
import type {Backend} from './types.js'

export async function openBackend(connect: string | undefined, target?: RenderTarget): Promise<Backend> {
  const uri = resolveUri(connect)
  if (backendKind(uri) === 'sim') {
    const [{SimBackend}, {EmbeddedStore}] = await Promise.all([import('./sim/backend.js'), import('./sim/store.js')])
    return new SimBackend(uri, new EmbeddedStore(simStoreName(uri)))
  }
  const {LibvirtBackend} = await import('./libvirt/backend.js')
  return new LibvirtBackend(uri, target)
}

export type {Backend} from './types.js'
