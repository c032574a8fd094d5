// Test-only crash points: the crash-matrix test kills a verb at the N-th step of its writes (each temp-file
// write, fsync, rename, directory fsync and journal step), so a kill provably lands inside a commit rather
// than somewhere near it. Inert unless UBMGR_CRASH_AT is set; UBMGR_CRASH_COUNT=FILE records how many steps
// a run passed, which is how the test enumerates them.
import {writeFileSync} from 'node:fs'

const at = Number(process.env.UBMGR_CRASH_AT) || 0
const countFile = process.env.UBMGR_CRASH_COUNT
let passed = 0

if (countFile) process.on('exit', () => writeFileSync(countFile, String(passed)))

export function crashPoint(): void {
  if (!at && !countFile) return
  passed++
  if (passed === at) process.kill(process.pid, 'SIGKILL')
}

/** A deliberately broken build for the crash test's own mutation check: commits skip the journal. */
export const nonAtomicForTest = (): boolean => process.env.UBMGR_CRASH_NONATOMIC === '1'
