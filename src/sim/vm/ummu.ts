// The virtual UMMU (hw/ub/ub_ummu.c) as the guest drives it: registers, MCMDQ commands, the DstEID KV
// table, TECT and TCT entries; in nested mode the iommufd objects behind them; and a DMA check that
// translates EID + TokenID + UBA the way ummu.rst describes (KV → TECT → TCT → page table).

export const UMMU_REG = {CTRL0: 0x30, CTRL0_ACK: 0x34, CTRL1: 0x38, TECT_BASE0: 0x70, TECT_BASE1: 0x74, TECT_BASE_CFG: 0x78, MCMDQ_BASE: 0x100, MCMDQ_PI: 0x108, MCMDQ_CI: 0x10c, EVENT_QUE_BASE0: 0x1100, EVENT_QUE_PI: 0x1108, EVENT_QUE_CI: 0x110c, GLB_INT_EN: 0x1130} as const
export const CMD = {CMD_SYNC: 0x1, CMD_CFGI_TECT: 0x8, CMD_CFGI_TCT: 0xa, CMD_TLBI_OS_ALL: 0x10, CMD_CREATE_KVTBL: 0x60, CMD_DELETE_KVTBL: 0x61} as const
export const EVT = {EVT_UT: 1, BAD_DSTEID: 2, BAD_TECT: 4, BAD_TOKENID: 6, BAD_TCT: 8, A_TRANSLATION: 10, A_PERMISSION: 13} as const
/** TECTE ST_MODE */
export const ST_MODE = {ABORT: 0, BYPASS: 4, S1: 5, S2: 6, NESTED: 7} as const
export const UMMU_INTERRUPT_ID = 0x8989

export interface Mapping {
  uba: string
  size: string
  perm: 'r' | 'rw'
}

export interface UmmuState {
  nested: boolean
  regs: Record<string, number>
  /** DstEID → tecte_tag (CMD_CREATE_KVTBL) */
  kv: Record<string, number>
  /** tecte_tag → TECTE */
  tect: Record<string, {v: boolean; stMode: number; tctNum: number}>
  /** tecte_tag → TokenID → TCTE */
  tct: Record<string, Record<string, {v: boolean; ttba: string; tgs: number}>>
  /** tecte_tag → TokenID → mapped ranges (the guest's stage-1 page table, summarised) */
  maps: Record<string, Record<string, Mapping[]>>
  iommufd?: {s2HwptId: number; viommuId: number; s1Hwpt: Record<string, number>; nextId: number}
  commands: number
}

export function newUmmu(nested: boolean): UmmuState {
  return {nested, regs: {}, kv: {}, tect: {}, tct: {}, maps: {}, commands: 0, ...(nested ? {iommufd: {s2HwptId: 0, viommuId: 0, s1Hwpt: {}, nextId: 1}} : {})}
}

export type DmaResult = {ok: true; tag: number; stMode: number} | {ok: false; event: keyof typeof EVT; code: number}

/** Translate one DMA (EID + TokenID + UBA) with its permission check. */
export function dmaCheck(u: UmmuState, eid: number, tokenId: number, uba: bigint, write: boolean): DmaResult {
  const fault = (event: keyof typeof EVT): DmaResult => ({ok: false, event, code: EVT[event]})
  const tag = u.kv[String(eid)]
  if (tag === undefined) return fault('BAD_DSTEID')
  const te = u.tect[String(tag)]
  if (!te?.v) return fault('BAD_TECT')
  if (tokenId >= 2 ** te.tctNum) return fault('BAD_TOKENID')
  const tc = u.tct[String(tag)]?.[String(tokenId)]
  if (!tc?.v) return fault('BAD_TCT')
  const hit = (u.maps[String(tag)]?.[String(tokenId)] ?? []).find((m) => uba >= BigInt(m.uba) && uba < BigInt(m.uba) + BigInt(m.size))
  if (!hit) return fault('A_TRANSLATION')
  if (write && hit.perm !== 'rw') return fault('A_PERMISSION')
  return {ok: true, tag, stMode: te.stMode}
}
