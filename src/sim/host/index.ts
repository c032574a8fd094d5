// The simulated host: load a fabric (or the bundled default), enumerate it, operate on bus instances.
import {join} from 'node:path'

import {examplesDir} from '../../definition/paths.js'
import {enumerateHost} from './enumerate.js'
import {loadFabric} from './fabric.js'
import type {HostState} from './model.js'

export const defaultHostPath = (): string => join(examplesDir(), 'hosts', 'default.yaml')

/** Enumerated host state of a fabric file (the bundled default host when none is given). */
export async function loadHost(file?: string): Promise<HostState> {
  return enumerateHost(await loadFabric(file ?? defaultHostPath())).state
}

export * from './errors.js'
export * from './instances.js'
export {enumerateHost, routeTable, type HostEvent} from './enumerate.js'
export {loadFabric, type Fabric} from './fabric.js'
export type {HostState, HostEntity, HostBusInstance} from './model.js'
