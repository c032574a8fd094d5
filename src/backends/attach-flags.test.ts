// virsh attach-device/detach-device flag semantics, every combination, against virsh(1) as measured.
import {describe, expect, it} from 'vitest'

import {attachScope, type AttachFlags} from './attach-flags.js'

const FLAGS = ['live', 'config', 'persistent', 'current'] as const
const combos: AttachFlags[] = Array.from({length: 16}, (_, mask) => Object.fromEntries(FLAGS.map((f, i) => [f, Boolean(mask & (1 << i))])))
const label = (f: AttachFlags) => FLAGS.filter((k) => f[k]).map((k) => `--${k}`).join(' ') || '(no flag)'

/** The expected outcome, written from the man page independently of the implementation. */
function expected(f: AttachFlags, running: boolean): string {
  if (f.current && f.live) return 'error: Options --current and --live are mutually exclusive'
  if (f.current && f.config) return 'error: Options --current and --config are mutually exclusive'
  if (f.current && f.persistent) return 'error: Options --persistent and --current are mutually exclusive'
  let live: boolean
  let config: boolean
  if (f.current) [live, config] = [running, !running]
  else if (f.persistent) [live, config] = [running || Boolean(f.live), true]
  else if (!f.live && !f.config) [live, config] = [true, false]
  else [live, config] = [Boolean(f.live), Boolean(f.config)]
  if (live && !running) return 'error: Requested operation is not valid: domain is not running'
  return `live=${live} config=${config}`
}

describe('attach/detach flags', () => {
  for (const running of [true, false])
    for (const f of combos)
      it(`${label(f)} on a ${running ? 'running' : 'shut off'} domain`, () => {
        let got: string
        try {
          const s = attachScope(f, running, true)
          got = `live=${s.live} config=${s.config}`
        } catch (error) {
          got = (error as Error).message
        }
        expect(got).toBe(expected(f, running))
      })

  it('usage conflicts exit 2, state errors exit 1', () => {
    expect(() => attachScope({current: true, live: true}, true, true)).toThrow(expect.objectContaining({exitCode: 2}))
    expect(() => attachScope({live: true}, false, true)).toThrow(expect.objectContaining({exitCode: 1}))
  })

  it('--config on a transient domain is refused', () => {
    expect(() => attachScope({config: true}, true, false)).toThrow('cannot modify device on transient domain')
  })

  it('no flag means live (legacy API): a shut off domain is refused', () => {
    expect(() => attachScope({}, false, true)).toThrow('domain is not running')
  })
})
