// Start libvirtd (with a loopback TCP listener) and virtlogd for the real-libvirt tests, and stop them
// after. No systemd in CI: the daemons are started by hand with pid files in a temp directory, as in
// libvirt's CI recipe. .ci/libvirt-setup.sh installs the packages and writes qemu.conf.
import {execa} from 'execa'
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export const TCP_URI = 'qemu+tcp://127.0.0.1/system'
export const SYSTEM_URI = 'qemu:///system'

export interface Daemons {
  stop(): Promise<void>
}

async function responds(uri: string): Promise<boolean> {
  const r = await execa('virsh', ['-c', uri, 'list', '--all', '--name'], {reject: false, timeout: 10_000})
  return r.exitCode === 0
}

export async function startLibvirtd(): Promise<Daemons> {
  for (const binary of ['/usr/sbin/libvirtd', '/usr/sbin/virtlogd', '/usr/bin/qemu-system-aarch64'])
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run .ci/libvirt-setup.sh (as root) first`)
  const dir = await mkdtemp(join(tmpdir(), 'ubmgr-libvirtd-'))
  const conf = join(dir, 'libvirtd.conf')
  await writeFile(conf, 'listen_tls = 0\nlisten_tcp = 1\nauth_tcp = "none"\ntcp_port = "16509"\nlisten_addr = "127.0.0.1"\n')
  const started: string[] = []
  if (!(await responds(SYSTEM_URI))) {
    await execa('/usr/sbin/virtlogd', ['--daemon', '--pid-file', join(dir, 'virtlogd.pid')])
    await execa('/usr/sbin/libvirtd', ['--daemon', '--listen', '--config', conf, '--pid-file', join(dir, 'libvirtd.pid')])
    started.push('libvirtd.pid', 'virtlogd.pid')
    for (let i = 0; i < 100 && !(await responds(TCP_URI)); i++) await new Promise((r) => setTimeout(r, 100))
  }
  if (!(await responds(TCP_URI))) throw new Error(`libvirtd does not answer on ${TCP_URI}`)
  return {
    async stop() {
      for (const pidFile of started) {
        const pid = Number((await readFile(join(dir, pidFile), 'utf8').catch(() => '')).trim())
        if (pid > 0) {
          try {
            process.kill(pid, 'SIGTERM')
          } catch {
            // already gone
          }
        }
      }
      await rm(dir, {recursive: true, force: true})
    },
  }
}
