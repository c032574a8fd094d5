// UB GUID: struct ub_guid {seq_num:64, reserved:24, type:4, version:4, device:16, vendor:16}, printed as
// "%04x-%04x-%01x-%01x-%06x-%016llx" = vendor-device-version-type-rsv-seqnum (37 characters).

const GUID_RE = /^([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f])-([0-9a-f])-([0-9a-f]{6})-([0-9a-f]{16})$/i

/** Kernel enum ub_type (QEMU names in comments). */
export enum UbGuidType {
  BUS_INSTANCE = 0,
  CONTROLLER = 1, // BUS_CONTROLLER, or a device when the class code is not a bus controller
  ICONTROLLER = 2, // IBUS_CONTROLLER, or an idevice
  SWITCH = 3,
  ISWITCH = 4,
}

export interface UbGuid {
  vendor: number
  device: number
  version: number
  type: number
  rsv: number
  seq: bigint
}

export function parseGuid(text: string): UbGuid | undefined {
  const m = GUID_RE.exec(text)
  if (!m) return undefined
  return {
    vendor: parseInt(m[1], 16),
    device: parseInt(m[2], 16),
    version: parseInt(m[3], 16),
    type: parseInt(m[4], 16),
    rsv: parseInt(m[5], 16),
    seq: BigInt('0x' + m[6]),
  }
}

/** The type field of a UB GUID, or undefined if the text is not one; for checks of many GUIDs, without parsing every field. */
export const guidType = (text: string): number | undefined => (GUID_RE.test(text) ? parseInt(text[12], 16) : undefined)

export function formatGuid(g: UbGuid): string {
  const hex = (n: number | bigint, w: number) => n.toString(16).padStart(w, '0')
  return `${hex(g.vendor, 4)}-${hex(g.device, 4)}-${hex(g.version, 1)}-${hex(g.type, 1)}-${hex(g.rsv, 6)}-${hex(g.seq, 16)}`
}

/** The same GUID with its type field replaced (ub-device-manager derives the ubc GUID from the BI GUID this way). */
export function withGuidType(text: string, type: number): string {
  const g = parseGuid(text)
  if (!g) throw new Error(`not a UB GUID: ${text}`)
  return formatGuid({...g, type})
}

/**
 * Why openEuler libvirt's schema refuses a GUID, or undefined if it takes it. Its `ubguid` type
 * (src/conf/schemas/basictypes.rng @cb66fdf3) allows hex in vendor, device and reserved, but only one
 * decimal digit for version and type and only decimal digits in seq_num, although the kernel and
 * libvirt's own parser (virub.c, "%016lx") read seq_num as hex. `virsh define --validate` fails on it.
 */
export function libvirtGuidProblem(text: string): string | undefined {
  const m = GUID_RE.exec(text)
  if (!m) return undefined
  const [, , , version, type, , seq] = m
  if (!/^[0-9]{16}$/.test(seq))
    return `seq_num ${seq.toLowerCase()} has hex letters; openEuler libvirt's ubguid pattern takes only the digits 0-9 in seq_num`
  if (!/^[0-9]$/.test(version)) return `version ${version} is not a decimal digit, which openEuler libvirt's ubguid pattern requires`
  if (!/^[0-9]$/.test(type)) return `type ${type} is not a decimal digit, which openEuler libvirt's ubguid pattern requires`
  return undefined
}

/** QEMU vfio_check_guid: guest and host GUID may differ only in seq_num. */
export function sameExceptSeq(a: string, b: string): boolean {
  const x = parseGuid(a)
  const y = parseGuid(b)
  if (!x || !y) return false
  return x.vendor === y.vendor && x.device === y.device && x.version === y.version && x.type === y.type && x.rsv === y.rsv
}
