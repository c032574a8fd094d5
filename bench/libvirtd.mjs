// A private libvirtd for bench:lifecycle's virsh peer: its own config, run, cache and data directories in a
// temp directory and only its own UNIX socket (no TCP), stopped by stop() and, should the benchmark die, by an
// exit hook. As root it runs as `nobody`: root's libvirtd is always the system daemon with fixed paths.
// Self-contained on purpose: benchmarks do not import test code.
import {spawn, spawnSync} from 'node:child_process'
import {chownSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const LIBVIRTD = '/usr/sbin/libvirtd'
const IDLE_EXIT_S = 600

/** The uid and gid of `nobody` when running as root, else undefined (the daemon runs as us). */
function daemonUser() {
  if (process.getuid?.() !== 0) return undefined
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'))
  if (!line) throw new Error('running as root and there is no user "nobody" to run a session libvirtd as')
  const [, , uid, gid] = line.split(':')
  return {uid: Number(uid), gid: Number(gid)}
}

const answers = (uri) => spawnSync('virsh', ['-c', uri, 'uri'], {stdio: 'ignore', timeout: 10_000}).status === 0
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Start the daemon; resolves to {uri, stop} or throws with the daemon's last log lines. */
export async function startLibvirtd() {
  if (!existsSync(LIBVIRTD)) throw new Error(`${LIBVIRTD} is not installed`)
  const root = mkdtempSync(join(tmpdir(), 'ubmgr-bench-libvirtd-'))
  const dirs = Object.fromEntries(['run', 'config', 'cache', 'data', 'home', 'log'].map((d) => [d, join(root, d)]))
  const user = daemonUser()
  for (const d of Object.values(dirs)) mkdirSync(d, {recursive: true, mode: 0o755})
  if (user) for (const d of [root, ...Object.values(dirs)]) chownSync(d, user.uid, user.gid)
  const conf = join(root, 'libvirtd.conf')
  writeFileSync(conf, `unix_sock_dir = "${dirs.run}"\n`, {mode: 0o644})
  const env = {PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dirs.home, XDG_RUNTIME_DIR: dirs.run, XDG_CONFIG_HOME: dirs.config, XDG_CACHE_HOME: dirs.cache, XDG_DATA_HOME: dirs.data}
  const log = openSync(join(dirs.log, 'libvirtd.log'), 'a')
  const child = spawn(LIBVIRTD, ['--config', conf, '--timeout', String(IDLE_EXIT_S)], {env, cwd: root, stdio: ['ignore', log, log], ...(user ?? {})})
  const kill = () => child.exitCode === null && child.kill('SIGKILL')
  process.once('exit', kill)
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await Promise.race([new Promise((resolve) => child.once('exit', resolve)), pause(10_000)])
      kill()
    }
    process.removeListener('exit', kill)
    rmSync(root, {recursive: true, force: true})
  }
  const socket = join(dirs.run, 'libvirt-sock')
  const uri = `qemu:///session?socket=${socket}`
  for (let i = 0; i < 200 && child.exitCode === null && !(existsSync(socket) && answers(uri)); i++) await pause(100)
  if (!answers(uri)) {
    const tail = readFileSync(join(dirs.log, 'libvirtd.log'), 'utf8').trim().split('\n').slice(-3).join(' | ')
    await stop()
    throw new Error(`libvirtd did not answer on ${socket}: ${tail || 'no log'}`)
  }
  return {uri, stop}
}
