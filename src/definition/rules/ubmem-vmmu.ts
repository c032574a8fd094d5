// The pooled-memory window device, QEMU ubmem_vmmu (hw/misc/ubmem_vmmu.c, include/hw/misc/ubmem_vmmu.h
// @7c09a0c3). Its realize checks these and calls exit(1) otherwise, so a bad window stops the VM at start.
import {sizeToKiB, toBigInt, toInt} from '../units.js'
import {obj, type RuleProblem, str} from './problem.js'

/** UBMEM_VMMU_MAX_TID: token ids 1..64 (0 is refused too). */
export const UBMEM_VMMU_MAX_TID = 64
/** UBMEM_VMMU_PAGE_SIZE: uba and size are multiples of 4 KiB. */
export const UBMEM_VMMU_PAGE_SIZE = 0x1000n
const U64_END = 1n << 64n

export function ubmemVmmuRules(def: Record<string, unknown>): RuleProblem[] {
  const mem = obj(obj(def.ub)?.ubmemVmmu)
  if (!mem) return []
  const out: RuleProblem[] = []
  const at = '/ub/ubmemVmmu'
  const tid = toInt(mem.tid as number | string | undefined)
  if (tid !== undefined && (tid < 1 || tid > UBMEM_VMMU_MAX_TID))
    out.push({pointer: `${at}/tid`, rule: 'ubmem-tid', message: `tid must be 1..${UBMEM_VMMU_MAX_TID} (UBMEM_VMMU_MAX_TID); QEMU exits with "ubmem vmmu: invalid tid ${tid}"`})
  const uba = toBigInt(mem.uba as number | string | undefined)
  const sizeKiB = str(mem.size) === undefined ? undefined : sizeToKiB(str(mem.size)!)
  const size = sizeKiB === undefined ? undefined : sizeKiB * 1024n
  const misaligned = 'is not a multiple of 4 KiB (UBMEM_VMMU_PAGE_SIZE); QEMU exits with "ubmem vmmu: invalid uba base or size"'
  if (uba !== undefined && uba % UBMEM_VMMU_PAGE_SIZE !== 0n) out.push({pointer: `${at}/uba`, rule: 'ubmem-align', message: `uba 0x${uba.toString(16)} ${misaligned}`})
  if (size !== undefined && (size === 0n || size % UBMEM_VMMU_PAGE_SIZE !== 0n))
    out.push({pointer: `${at}/size`, rule: 'ubmem-align', message: `size ${str(mem.size)} ${size === 0n ? 'is 0' : misaligned}`})
  else if (uba !== undefined && size !== undefined && uba + size >= U64_END)
    out.push({
      pointer: `${at}/size`,
      rule: 'ubmem-overflow',
      message: `uba 0x${uba.toString(16)} + size ${str(mem.size)} passes the end of the 64-bit UB address space; QEMU exits with "ubmem vmmu: uba base + size overflow"`,
    })
  return out
}
