// The libvirtd test helper: private daemons on free ports that never meet a system libvirtd or each other,
// and nothing left running — after stop(), after a failed start, and after a test process that dies.
import {execa} from 'execa'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {repoRoot, tempDir} from './helpers/cli.js'
import {startLibvirtd} from './helpers/libvirtd.js'

/** libvirtd and virtlogd processes whose command line names a directory with this prefix. */
async function daemonsWith(prefix: string): Promise<string[]> {
  const r = await execa('pgrep', ['-a', '-f', `(libvirtd|virtlogd) .*${prefix}`], {reject: false})
  return String(r.stdout).split('\n').filter((l) => l.trim() !== '')
}

const tiny = (name: string) => `<domain type='qemu'><name>${name}</name><memory unit='KiB'>262144</memory><os><type arch='aarch64' machine='virt'>hvm</type></os></domain>`

describe('libvirtd test helper', () => {
  it('two at once: free ports, private sockets, each daemon sees only its own domains', async () => {
    const prefix = `ubmgr-helper-pair-${process.pid}-`
    const [a, b] = await Promise.all([startLibvirtd({prefix}), startLibvirtd({prefix})])
    try {
      expect(a.port).not.toBe(b.port)
      expect(a.uri).not.toBe(b.uri)
      for (const lv of [a, b]) {
        expect(lv.uri).toMatch(new RegExp(`^qemu:///session\\?socket=/.*/${prefix}\\w+/run/libvirt-sock$`))
        expect(lv.tcpUri).toBe(`qemu+tcp://127.0.0.1:${lv.port}/session`)
      }
      const {dir, cleanup} = await tempDir()
      await writeFile(join(dir, 'a.xml'), tiny('only-in-a'))
      await execa('virsh', ['-c', a.uri, 'define', join(dir, 'a.xml')])
      await cleanup()
      expect(String((await execa('virsh', ['-c', a.tcpUri, 'list', '--all', '--name'])).stdout).trim()).toBe('only-in-a')
      expect(String((await execa('virsh', ['-c', b.uri, 'list', '--all', '--name'])).stdout).trim()).toBe('')
      expect(await daemonsWith(prefix)).toHaveLength(4)
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
    expect(await daemonsWith(prefix)).toEqual([])
  })

  it('a failed start stops virtlogd and libvirtd and says why', async () => {
    const prefix = `ubmgr-helper-fail-${process.pid}-`
    await expect(startLibvirtd({prefix, extraConfig: 'max_clients = "many"'})).rejects.toThrow(/^libvirtd did not answer on .*libvirt-sock: .*max_clients/)
    expect(await daemonsWith(prefix)).toEqual([])
  })

  it('a test process that dies without stop() leaves nothing running', async () => {
    const prefix = `ubmgr-helper-dies-${process.pid}-`
    const r = await execa('npx', ['vitest', 'run', '--config', 'test/fixtures/libvirtd/vitest.config.ts'], {
      cwd: repoRoot,
      reject: false,
      env: {UBMGR_HELPER_PREFIX: prefix},
    })
    expect(String(r.stdout)).toContain(`STARTED qemu:///session?socket=`)
    expect(r.exitCode).not.toBe(0)
    expect(await daemonsWith(prefix)).toEqual([])
  })
})
