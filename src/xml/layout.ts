// Where each UB entity sits on the guest bus: controller ports for UB-transport fusion devices come after
// the device links, in definition order (ubmgr's choice; a fusion device has one port, like a device).
import type {FusionDevice, Ub, UbDevice} from '../definition/normalize.js'

export function fusionLinks(ub: Ub): Map<string, Array<{port: number; controllerPort: number}>> {
  const used = new Set(ub.devices.flatMap((d) => d.links.map((l) => l.controllerPort)))
  let next = 0
  const out = new Map<string, Array<{port: number; controllerPort: number}>>()
  for (const f of ub.fusion.filter((x) => x.transport === 'ub')) {
    while (used.has(next)) next++
    used.add(next)
    out.set(f.name, [{port: 0, controllerPort: next}])
  }
  return out
}

/** Devices that are really passed through: pool requests wait for the pool to resolve them. */
export const resolvedDevices = (ub: Ub): Array<UbDevice & {host: {guid: string}; guestGuid: string}> =>
  ub.devices.filter((d): d is UbDevice & {host: {guid: string}; guestGuid: string} => d.host !== undefined)

export const fusionIsResolved = (f: FusionDevice): boolean => f.members.every((m) => m.host !== undefined)
