// EIDs (and controller ports) of a definition's UB devices as the boot walk assigns them (explicit ones, then
// `auto` in order), and pinning them: a running domain's definition carries numbers, never `auto`, so a later
// attach or detach can never move a running device to another EID or controller port (the guest and the
// controller's neighbour table already have it where it is).
import {normalize} from './normalize.js'
import type {UbVmDefinition} from './types.js'
import {toInt} from './units.js'

const isAuto = (eid: unknown): boolean => eid === undefined || eid === 'auto'

/** Device name → the EID it gets (UB devices, and fusion devices on the UB transport). */
export function resolvedEids(def: UbVmDefinition): Map<string, number> {
  const ub = normalize(def).ub
  const out = new Map<string, number>()
  for (const d of ub?.devices ?? []) out.set(d.name, d.eid)
  for (const f of ub?.fusion ?? []) if (f.eid !== undefined) out.set(f.name, f.eid)
  return out
}

/** The definition with every `auto` EID and controller port replaced by what it resolves to now. */
export function pinEids(def: UbVmDefinition): UbVmDefinition {
  if (!def.ub) return def
  const eids = resolvedEids(def)
  const links = new Map((normalize(def).ub?.devices ?? []).map((d) => [d.name, d.links]))
  const pin = <T extends {name: string; eid?: unknown}>(x: T): T => (isAuto(x.eid) && eids.has(x.name) ? {...x, eid: eids.get(x.name)} : x)
  const pinDevice = <T extends {name: string; eid?: unknown; links?: unknown}>(x: T): T => ({...pin(x), links: links.get(x.name)})
  return {...def, ub: {...def.ub, ...(def.ub.devices ? {devices: def.ub.devices.map(pinDevice)} : {}), ...(def.ub.fusion ? {fusion: def.ub.fusion.map(pin)} : {})}}
}

/** The device already at the EID a new device asks for explicitly, if any (it would be renumbered). */
export function eidOwner(def: UbVmDefinition, eid: unknown): string | undefined {
  if (isAuto(eid) || !def.ub) return undefined
  const wanted = toInt(eid as number | string)
  for (const [name, at] of resolvedEids(def)) if (at === wanted) return name
  return undefined
}
