// virsh attach-device/detach-device flag semantics, every combination, against virsh as measured — not
// against a restatement of the implementation. The table was measured with libvirt 9.0's virsh on the QEMU
// driver (a private qemu:///session, a TCG aarch64 domain, a virtio disk), attaching with each of the 16 flag
// sets on a running and on a shut-off domain and reading `dumpxml` and `dumpxml --inactive` after; rows
// marked "ref" are also in libvirt-behaviour.md §1.3. Conflicts are virsh's own checks, which it makes
// in this order: --persistent/--current, then --current/--live, then --current/--config. ubmgr exits 2
// for them (a usage error) where virsh exits 1.
import {execa} from 'execa'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {attachScope, type AttachFlags} from './attach-flags.js'

const NOT_RUNNING = 'error: Requested operation is not valid: domain is not running'
const CURRENT_LIVE = 'error: Options --current and --live are mutually exclusive'
const CURRENT_CONFIG = 'error: Options --current and --config are mutually exclusive'
const PERSISTENT_CURRENT = 'error: Options --persistent and --current are mutually exclusive'

/** flags → [on a running domain, on a shut-off domain]: "live config" (1/0) or virsh's error line. */
const MEASURED: Record<string, [string, string]> = {
  '': ['1 0', NOT_RUNNING], // ref
  '--live': ['1 0', NOT_RUNNING], // ref
  '--config': ['0 1', '0 1'], // ref (shut off)
  '--live --config': ['1 1', NOT_RUNNING],
  '--persistent': ['1 1', '0 1'], // ref
  '--live --persistent': ['1 1', NOT_RUNNING],
  '--config --persistent': ['1 1', '0 1'],
  '--live --config --persistent': ['1 1', NOT_RUNNING],
  '--current': ['1 0', '0 1'], // ref (shut off)
  '--live --current': [CURRENT_LIVE, CURRENT_LIVE], // ref
  '--config --current': [CURRENT_CONFIG, CURRENT_CONFIG], // ref
  '--live --config --current': [CURRENT_LIVE, CURRENT_LIVE],
  '--persistent --current': [PERSISTENT_CURRENT, PERSISTENT_CURRENT], // ref
  '--live --persistent --current': [PERSISTENT_CURRENT, PERSISTENT_CURRENT],
  '--config --persistent --current': [PERSISTENT_CURRENT, PERSISTENT_CURRENT],
  '--live --config --persistent --current': [PERSISTENT_CURRENT, PERSISTENT_CURRENT],
}

const FLAGS = ['live', 'config', 'persistent', 'current'] as const
const combos: AttachFlags[] = Array.from({length: 16}, (_, mask) => Object.fromEntries(FLAGS.map((f, i) => [f, Boolean(mask & (1 << i))])))
const label = (f: AttachFlags) => FLAGS.filter((k) => f[k]).map((k) => `--${k}`).join(' ')

function outcome(f: AttachFlags, running: boolean): string {
  try {
    const s = attachScope(f, running, true)
    return `${Number(s.live)} ${Number(s.config)}`
  } catch (error) {
    return (error as Error).message
  }
}

describe('attach/detach flags', () => {
  it('the table covers every flag set', () => expect(Object.keys(MEASURED).sort()).toEqual(combos.map(label).sort()))

  for (const running of [true, false])
    for (const f of combos)
      it(`${label(f) || '(no flag)'} on a ${running ? 'running' : 'shut off'} domain`, () => {
        expect(outcome(f, running)).toBe(MEASURED[label(f)][running ? 0 : 1])
      })

  it('usage conflicts exit 2, state errors exit 1', () => {
    expect(() => attachScope({current: true, live: true}, true, true)).toThrow(expect.objectContaining({exitCode: 2}))
    expect(() => attachScope({live: true}, false, true)).toThrow(expect.objectContaining({exitCode: 1}))
  })

  it('--config on a transient domain is refused', () => {
    expect(() => attachScope({config: true}, true, false)).toThrow('cannot modify device on transient domain')
  })

  it("the conflict lines are virsh's own, checked with virsh itself (test driver; virsh checks before the call)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ubmgr-flags-'))
    try {
      const disk = join(dir, 'disk.xml')
      await writeFile(disk, "<disk type='file' device='disk'><source file='/x.img'/><target dev='vdb'/></disk>")
      for (const f of combos) {
        const expected = MEASURED[label(f)][0]
        if (!expected.startsWith('error: Options')) continue
        const r = await execa('virsh', ['-c', 'test:///default', 'attach-device', 'test', disk, ...label(f).split(' ')], {reject: false})
        expect(String(r.stderr).trim(), label(f)).toBe(expected)
      }
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})
