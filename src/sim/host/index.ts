// The simulated host: load a fabric (or the bundled default) and enumerate it, or read a /sys/bus/ub tree.
import {join} from 'node:path'

import {examplesDir} from '../../definition/paths.js'
import {enumerateHost} from './enumerate.js'
import {loadFabric} from './fabric.js'
import type {HostState} from './model.js'
import {readSysfs} from './sysfs-tree.js'

export const defaultHostPath = (): string => join(examplesDir(), 'hosts', 'default.yaml')
/** `--host sysfs:PATH` reads a /sys/bus/ub tree; the bare prefix means the machine's own. */
export const SYSFS_PREFIX = 'sysfs:'

export const sysfsPath = (spec: string): string | undefined => (spec.startsWith(SYSFS_PREFIX) ? spec.slice(SYSFS_PREFIX.length) || '/sys/bus/ub' : undefined)

/** The host state of a fabric file (enumerated), a sysfs tree (as read), or the bundled default host. */
export async function loadHost(spec?: string): Promise<HostState> {
  const sysfs = spec ? sysfsPath(spec) : undefined
  if (sysfs) return readSysfs(sysfs)
  return enumerateHost(await loadFabric(spec ?? defaultHostPath())).state
}

export * from './errors.js'
export * from './instances.js'
export {enumerateHost, type HostEvent} from './enumerate.js'
export {routeTable} from './route.js'
export {loadFabric, type Fabric} from './fabric.js'
export type {HostState, HostEntity, HostBusInstance} from './model.js'
