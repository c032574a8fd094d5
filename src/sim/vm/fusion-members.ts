// What the simulated host tells FusionD about a fusion device's members: each slice's bandwidth and queues
// from the host fabric's pool attributes (the figures UBPRM allocates by), else from the member's pool
// request, else the fusion model's defaults. Plain data goes to src/fusion; nothing flows back.
import type {FusionDevice, FusionMember, UbVm} from '../../definition/normalize.js'
import {bandwidthToMbps} from '../../definition/units.js'
import {buildFusionSpec} from '../../fusion/fusiond.js'
import {defaultHardware, type FusionSpec, type MemberHardware} from '../../fusion/model.js'
import {findEntityByGuid} from '../host/instances.js'
import type {HostState} from '../host/model.js'

export function memberHardware(host: HostState, kind: FusionDevice['kind'], m: FusionMember): MemberHardware {
  const pool = m.host ? findEntityByGuid(host, m.host.guid)?.pool : undefined
  if (pool) return defaultHardware(kind, pool.bandwidthMbps, pool.queues)
  const requested = m.pool?.bandwidth ? bandwidthToMbps(m.pool.bandwidth) : undefined
  return defaultHardware(kind, requested, m.pool?.queues)
}

/** The named fusion device of a VM (the first when no name is given) as FusionD would build it. */
export function fusionSpecOf(vm: UbVm, host: HostState, name?: string): {spec: FusionSpec; problems: string[]} {
  const devices = vm.ub?.fusion ?? []
  const f = name === undefined ? devices[0] : devices.find((d) => d.name === name)
  if (!f) {
    const known = devices.map((d) => d.name)
    const what = name === undefined ? 'has no fusion device' : `has no fusion device named '${name}'`
    return {spec: undefined as never, problems: [`${vm.name} ${what}${known.length > 0 ? ` (it has ${known.join(', ')})` : ''}`]}
  }
  return buildFusionSpec(f, f.members.map((m) => memberHardware(host, f.kind, m)))
}
