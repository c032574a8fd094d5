// A UB entity's config space as the guest sees it through QEMU: sparse dwords at the real offsets
// (include/hw/ub/ub_config.h), read and written with UB_CFG0/1 messages through the Bus Controller.

export const UB_CFG0_READ = 0
export const UB_CFG0_WRITE = 1
export const UB_CFG1_READ = 2
export const UB_CFG1_WRITE = 3

export const CFG1_BASE = 0x40000

/** Offsets (bytes, from the start of the config space) and the names the hex dump shows. */
export const CFG = {
  CFG0_HEADER: 0x00,
  CFG0_PORT_UE: 0x04,
  CFG0_GUID: 0x38,
  CFG0_EID: 0x48,
  CFG0_FM_EID: 0x58,
  CFG0_PRIMARY_CNA: 0x68,
  CFG0_UPI: 0x7c,
  CFG0_UEID_LOW: 0x9c,
  CFG0_UEID_HIGH: 0xa4,
  CFG0_UCNA: 0xac,
  SHP_CAP: 0x800,
  CFG1_HEADER: CFG1_BASE + 0x00,
  CFG1_SUPPORT: CFG1_BASE + 0x24,
  CFG1_ERS_SIZE: CFG1_BASE + 0x34,
  CFG1_ERS_SA: CFG1_BASE + 0x40,
  CFG1_ERS_UBBA: CFG1_BASE + 0x58,
  CFG1_ELR: CFG1_BASE + 0x70,
  CFG1_SYS_PGS: CFG1_BASE + 0x84,
  CFG1_CLASS_CODE: CFG1_BASE + 0xa4,
  CFG1_TOKEN_ID: CFG1_BASE + 0xb4,
  CFG1_BUS_ACCESS_EN: CFG1_BASE + 0xb8,
  CFG1_RS_ACCESS_EN: CFG1_BASE + 0xbc,
  INT2_CAP: 0x41000,
  INT2_VEC_TABLE_NUM: 0x41004,
  INT2_VEC_TABLE_START: 0x41008,
  INT2_ADDR_TABLE_START: 0x41010,
  INT2_PEND_TABLE_START: 0x41018,
  INT2_INTERRUPT_ID: 0x41020,
  INT2_MASK: 0x41024,
  INT2_ENABLE: 0x41028,
  PORT0_BASIC: 0x80000,
} as const

export const portBasic = (n: number) => 0x80000 + n * 0x40000

const NAMES = new Map<number, string>(Object.entries(CFG).map(([k, v]) => [v, k.toLowerCase()]))

/** Dword-addressed sparse space; values are 32-bit. Stored with hex keys so it persists as JSON. */
export type ConfigSpace = Record<string, number>

const key = (offset: number) => '0x' + offset.toString(16)

export function readDword(cfg: ConfigSpace, offset: number): number {
  return cfg[key(offset)] ?? 0
}

export function writeDword(cfg: ConfigSpace, offset: number, value: number): void {
  cfg[key(offset)] = value >>> 0
}

export function write64(cfg: ConfigSpace, offset: number, value: bigint): void {
  writeDword(cfg, offset, Number(value & 0xffffffffn))
  writeDword(cfg, offset + 4, Number(value >> 32n))
}

export const read64 = (cfg: ConfigSpace, offset: number): bigint => (BigInt(readDword(cfg, offset + 4)) << 32n) | BigInt(readDword(cfg, offset))

/** GUID bytes in printed order, 4 dwords from CFG0 0x38. */
export function writeGuid(cfg: ConfigSpace, guid: string): void {
  const hex = guid.replace(/-/g, '')
  for (let i = 0; i < 4; i++) writeDword(cfg, CFG.CFG0_GUID + i * 4, parseInt(hex.slice(i * 8, i * 8 + 8), 16))
}

export function readGuid(cfg: ConfigSpace): string {
  const h = [0, 1, 2, 3].map((i) => readDword(cfg, CFG.CFG0_GUID + i * 4).toString(16).padStart(8, '0')).join('')
  return `${h.slice(0, 4)}-${h.slice(4, 8)}-${h[8]}-${h[9]}-${h.slice(10, 16)}-${h.slice(16, 32)}`
}

/** Which message a config access is: CFG0 below CFG1_BASE, CFG1 from it. */
export const messageCode = (offset: number, write: boolean) => (offset >= CFG1_BASE ? (write ? UB_CFG1_WRITE : UB_CFG1_READ) : write ? UB_CFG0_WRITE : UB_CFG0_READ)
export const MESSAGE_NAME = ['UB_CFG0_READ', 'UB_CFG0_WRITE', 'UB_CFG1_READ', 'UB_CFG1_WRITE']

/** Hex dump of the non-zero dwords, with field names where the offset is a known field. */
export function hexDump(cfg: ConfigSpace): string {
  return (
    Object.entries(cfg)
      .map(([k, v]) => [parseInt(k, 16), v] as const)
      .filter(([, v]) => v !== 0)
      .sort((a, b) => a[0] - b[0])
      .map(([off, v]) => `${off.toString(16).padStart(8, '0')}: ${v.toString(16).padStart(8, '0')}  ${NAMES.get(off) ?? ''}`.trimEnd())
      .join('\n') + '\n'
  )
}
