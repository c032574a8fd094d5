// The embedded backend (sim:///NAME): libvirt's domain life cycle on ubmgr's own state store, with the
// simulator behind start, hot-plug and destroy. Messages are libvirt's where libvirt has one.
import {randomUUID} from 'node:crypto'

import type {UbVmDefinition} from '../../definition/types.js'
import {UbmgrError} from '../../ground/errors.js'
import type {RenderTarget} from '../../xml/render.js'
import type {attachScope, AttachScope} from '../attach-flags.js'
import type {DeviceFile, withDevice} from '../devices.js'
import {UB_MIGRATION, type Backend, type DefineResult, type DomainInfo, type DomainState, type DomainSummary, type UbCapabilities} from '../types.js'
import type {HostState} from '../../sim/host/model.js'
import type {GuestState} from '../../sim/vm/index.js'
import type {FusionInstance} from '../../sim/vm/fusion.js'
import type {FusionStatus} from '../../fusion/control.js'
import type {LedgerAccess} from './ledger-access.js'
import type {DomainRecord, EmbeddedStore, EmbeddedTx} from './store.js'

/** The simulator, renderer and pool, loaded by the verbs that use them (engine.ts). */
const engine = () => import('./engine.js')

const notFound = (name: string) => new UbmgrError(`error: failed to get domain '${name}'`)

export class SimBackend implements Backend {
  constructor(
    readonly uri: string,
    private readonly store: EmbeddedStore,
    /** where pool requests get their slices: a super-node's on etcd, else (undefined) this store's ledger */
    private readonly shared?: LedgerAccess,
  ) {}

  close(): void {
    this.shared?.close()
  }

  private async ledger(): Promise<LedgerAccess> {
    return this.shared ?? (await engine()).embeddedLedger
  }

  async targetChoice(): Promise<{target: RenderTarget; reason: string}> {
    return {target: 'ubmgr', reason: 'the embedded backend keeps the whole definition'}
  }

  /** What the simulator models. */
  async capabilities(): Promise<UbCapabilities> {
    return {
      uri: this.uri,
      backend: 'sim',
      ubAware: true,
      target: 'ubmgr',
      evidence: "the embedded simulator models openEuler's UB stack (bus instances, vfio-ub, vUMMU, USI, firmware tables)",
      hotplug: {ub: 'yes', reason: 'attach-device/detach-device --live run the simulated hot-plug (SHP capability, link message, topology scan, UMMU, USI)'},
      liveMigration: {withUbDevices: UB_MIGRATION.withUbDevices, reason: `${UB_MIGRATION.reason}; the simulator does not model migration`},
    }
  }

  private async get(from: EmbeddedStore | EmbeddedTx, name: string): Promise<DomainRecord> {
    const record = await from.readDomain(name)
    if (!record) throw notFound(name)
    return record
  }

  /** The simulated host, created from the fabric on first use and kept in host.json. */
  private async host(tx: EmbeddedTx): Promise<HostState> {
    return (await tx.readHost<HostState>()) ?? (await (await engine()).initialHost())
  }

  async define(definition: UbVmDefinition, opts: {dryRun: boolean; source: string}): Promise<DefineResult> {
    const {definitionToYaml, lineDiff} = await engine()
    const run = async (tx: EmbeddedTx): Promise<DefineResult> => {
      const existing = await tx.readDomain(definition.name)
      if (existing && definition.uuid && definition.uuid.toLowerCase() !== existing.uuid)
        throw new UbmgrError([`error: Failed to define domain from ${opts.source}`, `error: operation failed: domain '${existing.name}' already exists with uuid ${existing.uuid}`])
      if (!existing && definition.uuid) {
        const clash = await tx.nameOfUuid(definition.uuid.toLowerCase())
        if (clash !== undefined)
          throw new UbmgrError([`error: Failed to define domain from ${opts.source}`, `error: operation failed: domain '${clash}' already exists with uuid ${definition.uuid.toLowerCase()}`])
      }
      const uuid = existing?.uuid ?? definition.uuid?.toLowerCase() ?? randomUUID()
      const config: UbVmDefinition = {...definition, uuid}
      const before = existing?.config ? definitionToYaml(existing.config) : ''
      const after = definitionToYaml(config)
      const diff = await lineDiff(before, after)
      const outcome = !existing ? 'created' : before === after && existing.persistent ? 'unchanged' : 'changed'
      if (!opts.dryRun && outcome !== 'unchanged')
        tx.writeDomain(
          existing
            ? {...existing, persistent: true, config}
            : {version: 1, name: definition.name, uuid, state: 'shut off', id: null, persistent: true, config, live: null, sim: null},
        )
      return {name: definition.name, uuid, outcome, diff, dryRun: opts.dryRun}
    }
    // A dry run stages nothing, so its transaction commits nothing.
    return this.store.transaction(run)
  }

  async undefine(name: string): Promise<{name: string; transient: boolean}> {
    return this.store.transaction(async (tx) => {
      const r = await this.get(tx, name)
      if (r.state === 'shut off') {
        tx.removeDomain(name)
        return {name, transient: false}
      }
      // libvirt: undefining a running domain leaves it running as a transient domain.
      tx.writeDomain({...r, persistent: false, config: null})
      return {name, transient: true}
    })
  }

  async start(name: string): Promise<{name: string; events: unknown[]}> {
    const {allocateForStart, normalize, pinEids, startVm} = await engine()
    const ledgerAccess = await this.ledger()
    return this.store.transaction(async (tx) => {
      const r = await this.get(tx, name)
      if (r.state !== 'shut off') throw new UbmgrError('error: Domain is already active')
      const host = await this.host(tx)
      // the pool allocates first (UBSE alloc_devices); the walk gets the GUIDs, and nothing commits if it fails
      const {pool, result} = await ledgerAccess.run(tx, host, (ledger) => {
        // a shared ledger may run this step again after a lost race: it works on copies
        const pool = allocateForStart(r.config!, ledger, structuredClone(host))
        const result = startVm(normalize(pool.live), pool.host, pool.steps)
        if (!result.ok) throw new UbmgrError([`error: Failed to start domain '${name}'`, `error: ${result.message}`], 1, {events: result.events})
        return {ledger: pool.steps.length > 0 ? pool.ledger : undefined, result: {pool, result}}
      }, r.config!.ub?.busInstance.guid)
      const meta = await tx.readMeta()
      tx.writeHost(result.host)
      tx.writeMeta({...meta, nextId: meta.nextId + 1})
      tx.writeDomain({...r, state: 'running', reason: 'booted', id: meta.nextId, live: pinEids(pool.live), sim: result.guest})
      return {name, events: result.events}
    })
  }

  private async stop(name: string, verb: 'shutdown' | 'destroy'): Promise<{name: string; removed: boolean}> {
    const {releaseFor, stopVm} = await engine()
    const ledgerAccess = await this.ledger()
    return this.store.transaction(async (tx) => {
      const r = await this.get(tx, name)
      if (r.state === 'shut off')
        throw new UbmgrError([`error: Failed to ${verb} domain '${name}'`, 'error: Requested operation is not valid: domain is not running'])
      const host = stopVm(r.sim as GuestState | null, await this.host(tx))
      tx.writeHost(
        await ledgerAccess.run(tx, host, (ledger) => {
          const pool = releaseFor(name, ledger, structuredClone(host), undefined, r.live?.ub?.busInstance.guid)
          return {ledger: pool.ledger, result: pool.host}
        }),
      )
      if (!r.persistent) {
        tx.removeDomain(name)
        return {name, removed: true}
      }
      tx.writeDomain({...r, state: 'shut off', reason: verb === 'destroy' ? 'destroyed' : 'shutdown', id: null, live: null, sim: null})
      return {name, removed: false}
    })
  }

  async suspend(name: string): Promise<{name: string; state: 'paused'}> {
    return this.setState(name, 'suspend', (r) => {
      if (r.state === 'paused') return
      return {...r, state: 'paused', reason: 'user'}
    }).then(() => ({name, state: 'paused'}))
  }

  /** QEMU driver: resuming a running domain is not an error (it only checks that the domain is active). */
  async resume(name: string): Promise<{name: string; state: 'running'}> {
    return this.setState(name, 'resume', (r) => (r.state === 'paused' ? {...r, state: 'running', reason: 'unpaused'} : undefined)).then(() => ({name, state: 'running'}))
  }

  /** The guest restarts: the simulator tears it down and runs the boot walk again, devices and pool slices kept. */
  async reboot(name: string): Promise<{name: string; state: 'running'; events: unknown[]}> {
    return this.restart(name, 'reboot')
  }

  async reset(name: string): Promise<{name: string; state: 'running'; events: unknown[]}> {
    return this.restart(name, 'reset')
  }

  private async restart(name: string, verb: 'reboot' | 'reset'): Promise<{name: string; state: 'running'; events: unknown[]}> {
    const {normalize, startVm, stopVm} = await engine()
    return this.store.transaction(async (tx) => {
      const r = await this.get(tx, name)
      if (r.state === 'shut off') throw new UbmgrError([`error: Failed to ${verb} domain '${name}'`, 'error: Requested operation is not valid: domain is not running'])
      const host = stopVm(r.sim as GuestState | null, await this.host(tx))
      const result = startVm(normalize(r.live!), host)
      if (!result.ok) throw new UbmgrError([`error: Failed to ${verb} domain '${name}'`, `error: ${result.message}`], 1, {events: result.events})
      tx.writeHost(result.host)
      tx.writeDomain({...r, state: 'running', reason: 'booted', sim: result.guest})
      return {name, state: 'running' as const, events: result.events}
    })
  }

  async autostart(name: string, enable: boolean): Promise<{name: string; autostart: boolean}> {
    return this.store.transaction(async (tx) => {
      const r = await this.get(tx, name)
      if (!r.persistent) throw new UbmgrError([`error: Failed to ${enable ? 'mark' : 'unmark'} domain '${name}' as autostarted`, 'error: Requested operation is not valid: cannot set autostart for transient domain'])
      if (Boolean(r.autostart) !== enable) tx.writeDomain({...r, autostart: enable})
      return {name, autostart: enable}
    })
  }

  async stateReason(name: string): Promise<{name: string; state: DomainState; reason: string}> {
    const r = await this.get(this.store, name)
    return {name, state: r.state, reason: r.reason ?? (r.state === 'running' ? 'booted' : r.state === 'paused' ? 'user' : 'unknown')}
  }

  async domname(idOrUuid: string): Promise<string> {
    const key = idOrUuid.toLowerCase()
    const id = /^[0-9]+$/.test(key) ? Number(key) : undefined
    const hit = (await this.store.listSummaries()).domains.find((d) => (id !== undefined ? d.id === id : d.uuid === key))
    if (!hit) throw new UbmgrError(`error: failed to get domain '${idOrUuid}'`)
    return hit.name
  }

  async definition(name: string): Promise<UbVmDefinition> {
    const r = await this.get(this.store, name)
    if (!r.config) throw new UbmgrError(`error: Requested operation is not valid: domain '${name}' is transient: there is no persistent definition to edit`)
    return r.config
  }

  /** A state change of a running domain; `change` returns the new record, or undefined for nothing to do. */
  private async setState(name: string, verb: string, change: (r: DomainRecord) => DomainRecord | undefined): Promise<void> {
    await this.store.transaction(async (tx) => {
      const r = await this.get(tx, name)
      if (r.state === 'shut off') throw new UbmgrError([`error: Failed to ${verb} domain '${name}'`, 'error: Requested operation is not valid: domain is not running'])
      const next = change(r)
      if (next) tx.writeDomain(next)
    })
  }

  /** Like libvirt's test driver, the simulated guest honours ACPI shutdown at once. */
  async shutdown(name: string): Promise<{name: string}> {
    return this.stop(name, 'shutdown')
  }

  async destroy(name: string): Promise<{name: string; removed: boolean}> {
    return this.stop(name, 'destroy')
  }

  async list(opts: {all: boolean}): Promise<{domains: DomainSummary[]; damaged: string[]}> {
    const {domains, damaged} = await this.store.listSummaries()
    return {domains: domains.filter((r) => opts.all || r.state !== 'shut off').map(summary), damaged}
  }

  async dominfo(name: string): Promise<DomainInfo> {
    const r = await this.get(this.store, name)
    const {normalize} = await engine()
    const vm = normalize((r.live ?? r.config)!)
    return {
      ...summary(r),
      osType: 'hvm',
      vcpus: vm.vcpus,
      maxMemoryKiB: Number(vm.memoryKiB),
      usedMemoryKiB: r.state === 'shut off' ? 0 : Number(vm.memoryKiB),
      managedSave: false,
      persistent: r.persistent,
      autostart: Boolean(r.autostart),
      ubDevices: vm.ub?.devices.length ?? 0,
      fusionDevices: vm.ub?.fusion.length ?? 0,
    }
  }

  async dumpxml(name: string, opts: {inactive: boolean; target?: RenderTarget}): Promise<string> {
    const r = await this.get(this.store, name)
    const definition = (opts.inactive ? (r.config ?? r.live) : (r.live ?? r.config))!
    const {normalize, renderDomain} = await engine()
    return renderDomain(normalize(definition), opts.target ?? 'ubmgr').xml
  }

  /** Entity Level Reset of one UB device of a running domain (the simulator's VFIO_DEVICE_RESET). */
  async resetDevice(name: string, device: string): Promise<{name: string; device: string; events: unknown[]}> {
    const {resetDevice} = await engine()
    return this.store.transaction(async (tx) => {
      const r = await this.get(tx, name)
      if (r.state === 'shut off' || !r.sim) throw new UbmgrError('error: Requested operation is not valid: domain is not running')
      const result = resetDevice(r.sim as GuestState, await this.host(tx), device)
      if (!result.ok) throw new UbmgrError(`error: ${result.error.component}: ${result.error.message}`)
      tx.writeHost(result.host)
      tx.writeDomain({...r, sim: result.guest})
      return {name, device, events: result.events}
    })
  }

  /** The fusion devices of a running domain, with deferred failbacks that are due applied (and kept). */
  async fusionStatus(name: string, now = Date.now()): Promise<FusionStatus[]> {
    const {applyDueFailbacks, fusionStatus} = await import('../../fusion/control.js')
    const r = await this.get(this.store, name)
    const instances = runningFusion(r)
    if (instances.some((fi) => applyDueFailbacks(fi, now)))
      return this.store.transaction(async (tx) => {
        const cur = await this.get(tx, name)
        const guest = cur.sim as GuestState
        guest.fusion = runningFusion(cur).map((fi) => ({...fi, ...(applyDueFailbacks(fi, now) ?? {})}))
        tx.writeDomain({...cur, sim: guest})
        return guest.fusion.map(fusionStatus)
      })
    return instances.map(fusionStatus)
  }

  /** `fusion fail` / `fusion restore`: a member's link goes down or comes back on a running domain. */
  async fusionMember(name: string, member: string, action: {fail: true} | {fail: false; failback: boolean}, device?: string, now = Date.now()) {
    const {failMember, findMember, restoreMember, applyDueFailbacks} = await import('../../fusion/control.js')
    return this.store.transaction(async (tx) => {
      const r = await this.get(tx, name)
      const guest = r.sim as GuestState
      const all = runningFusion(r).map((fi) => ({...fi, ...(applyDueFailbacks(fi, now) ?? {})}))
      const candidates = device ? all.filter((fi) => fi.spec.name === device) : all
      if (candidates.length === 0) throw new UbmgrError(`error: domain '${name}' has no fusion device${device ? ` named '${device}'` : ''}`)
      const hit = candidates.find((fi) => findMember(fi, member) !== undefined)
      if (!hit) throw new UbmgrError(`error: no member '${member}' in ${candidates.map((fi) => `${fi.spec.name} (${fi.spec.members.map((m) => m.name).join(', ')})`).join(', ')}`)
      const m = findMember(hit, member)!
      let out
      try {
        out = action.fail ? failMember(hit, m, now) : restoreMember(hit, m, now, {failback: action.failback})
      } catch (error) {
        throw new UbmgrError(`error: Requested operation is not valid: ${(error as Error).message}`)
      }
      guest.fusion = all.map((fi) => (fi === hit ? {...hit, ...out.rt} : fi))
      tx.writeDomain({...r, sim: guest})
      return {name, device: hit.spec.name, member: hit.spec.members[m].name, message: out.message}
    })
  }

  async attach(name: string, device: DeviceFile, flags: Parameters<typeof attachScope>[0]) {
    return this.change(name, device, flags, (await engine()).withDevice)
  }

  async detach(name: string, device: DeviceFile, flags: Parameters<typeof attachScope>[0]) {
    return this.change(name, device, flags, (await engine()).withoutDevice)
  }

  private async change(name: string, device: DeviceFile, flags: Parameters<typeof attachScope>[0], edit: typeof withDevice) {
    const {allocateForAttach, attachScope, changeLive, deviceLabel, normalize, pinEids, releaseFor} = await engine()
    const ledgerAccess = await this.ledger()
    return this.store.transaction(async (tx) => {
      const r = await this.get(tx, name)
      const scope: AttachScope = attachScope(flags, r.state !== 'shut off', r.persistent)
      const next = {...r}
      let events: unknown[] = []
      if (scope.live) {
        const host = await this.host(tx)
        const names = (d: UbVmDefinition) => new Set([...(d.ub?.devices ?? []), ...(d.ub?.fusion ?? [])].map((x) => x.name))
        const before = names(r.live!)
        const edited = edit(r.live!, device)
        const added = new Set([...names(edited)].filter((n) => !before.has(n)))
        const removed = [...before].filter((n) => !names(edited).has(n))
        // new pool requests get slices before the hot-plug; removed devices give theirs back after the unplug
        const out = await ledgerAccess.run(tx, host, (ledger) => {
          const pool = allocateForAttach(edited, added, ledger, structuredClone(host))
          const live = pinEids(pool.live)
          const hot = changeLive(normalize(r.live!), normalize(live), structuredClone(r.sim) as GuestState, pool.host)
          let after = {ledger: pool.ledger, host: hot.host}
          for (const n of removed) after = releaseFor(name, after.ledger, after.host, n, r.live!.ub?.busInstance.guid)
          return {ledger: after.ledger, result: {live, hot, host: after.host}}
        }, r.live!.ub?.busInstance.guid)
        tx.writeHost(out.host)
        next.live = out.live
        next.sim = out.hot.guest
        events = out.hot.events
      }
      if (scope.config) next.config = edit(r.config!, device)
      tx.writeDomain(next)
      return {name, device: deviceLabel(device), ...scope, events}
    })
  }
}

/** The fusion devices of a running domain, or the error virsh-like verbs give. */
function runningFusion(r: DomainRecord): FusionInstance[] {
  if (r.state === 'shut off' || !r.sim) throw new UbmgrError('error: Requested operation is not valid: domain is not running')
  const fusion = (r.sim as GuestState).fusion ?? []
  if (fusion.length === 0) throw new UbmgrError(`error: domain '${r.name}' has no fusion device`)
  return fusion
}

function summary(r: {name: string; uuid: string; state: DomainState; id: number | null}): DomainSummary {
  return {name: r.name, uuid: r.uuid, state: r.state, id: r.id}
}
