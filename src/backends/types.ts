// What every backend offers the lifecycle commands. Names and states are virsh's.
import type {RenderTarget} from '../xml/render.js'
import type {UbVmDefinition} from '../definition/types.js'
import type {DeviceFile} from './devices.js'
import type {AttachFlags} from './attach-flags.js'

export type DomainState = 'running' | 'shut off' | 'paused'

export interface DomainSummary {
  name: string
  uuid: string
  state: DomainState
  /** Running domains have an id; inactive ones have null (virsh prints "-"). */
  id: number | null
}

export interface DomainInfo extends DomainSummary {
  osType: string
  vcpus: number
  maxMemoryKiB: number
  /** What the guest has now (virsh "Used memory"); the simulator's guests have all of it. */
  usedMemoryKiB: number
  /** virsh "Managed save": a saved state to resume from (ubmgr does not make them). */
  managedSave: boolean
  persistent: boolean
  autostart: boolean
  ubDevices: number
  fusionDevices: number
}

export interface DefineResult {
  name: string
  uuid: string
  /** created: new domain; changed: its persistent config changed; unchanged: nothing to do. */
  outcome: 'created' | 'changed' | 'unchanged'
  diff: string[]
  dryRun: boolean
  /** The XML form sent to libvirt and why (libvirt backend only). */
  target?: {name: RenderTarget; reason: string}
}

export interface Backend {
  readonly uri: string
  /** The XML form define uses on this connection, and why. */
  targetChoice(): Promise<{target: RenderTarget; reason: string}>
  capabilities(): Promise<UbCapabilities>
  define(definition: UbVmDefinition, opts: {dryRun: boolean; source: string}): Promise<DefineResult>
  undefine(name: string): Promise<{name: string; transient: boolean}>
  start(name: string): Promise<{name: string; events?: unknown[]}>
  shutdown(name: string): Promise<{name: string}>
  destroy(name: string): Promise<{name: string; removed: boolean}>
  /** damaged: one error line per domain record that cannot be read (the embedded store), the rest still listed. */
  list(opts: {all: boolean}): Promise<{domains: DomainSummary[]; damaged: string[]}>
  dominfo(name: string): Promise<DomainInfo>
  dumpxml(name: string, opts: {inactive: boolean; target?: RenderTarget}): Promise<string>
  attach(name: string, device: DeviceFile, flags: AttachFlags): Promise<{name: string; device: string; live: boolean; config: boolean}>
  /** pending: libvirt sent the unplug request but the guest has not released the device yet. */
  detach(name: string, device: DeviceFile, flags: AttachFlags): Promise<{name: string; device: string; live: boolean; config: boolean; pending?: boolean}>
  /** virsh suspend / resume: the guest's vCPUs stop / run again; devices stay assigned. */
  suspend(name: string): Promise<{name: string; state: DomainState}>
  resume(name: string): Promise<{name: string; state: DomainState}>
  /** virsh reboot (the guest restarts) and reset (a hard reset, like pressing the button). */
  reboot(name: string): Promise<{name: string; state: DomainState}>
  reset(name: string): Promise<{name: string; state: DomainState}>
  autostart(name: string, enable: boolean): Promise<{name: string; autostart: boolean}>
  /** virsh domstate --reason: the state and why it is so (booted, unpaused, user, destroyed, shutdown, unknown). */
  stateReason(name: string): Promise<{name: string; state: DomainState; reason: string}>
  /** virsh domname: the name of the domain with this id or UUID. */
  domname(idOrUuid: string): Promise<string>
  /** The persistent definition, for edit. */
  definition(name: string): Promise<UbVmDefinition>
}

/** What a connection can do with UB (`ubmgr capabilities`). */
export interface UbCapabilities {
  uri: string
  backend: 'sim' | 'libvirt'
  /** The connection understands openEuler's UB domain XML. */
  ubAware: boolean
  /** The XML form define sends there unless --target says otherwise. */
  target: RenderTarget
  evidence: string
  hotplug: {ub: 'yes' | 'no' | 'unknown'; reason: string}
  liveMigration: {withUbDevices: 'no'; reason: string}
}

/** QEMU hw/vfio/ub.c: the vfio-ub vmstate is unmigratable. */
export const UB_MIGRATION = {withUbDevices: 'no', reason: 'QEMU marks vfio-ub devices unmigratable (hw/vfio/ub.c vmstate .unmigratable = 1)'} as const
