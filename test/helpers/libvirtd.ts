// A private libvirtd (QEMU driver, session mode) and virtlogd for the real-libvirt tests, started here and
// always stopped. Private means: its own configuration, run, state and log directories under a temp
// directory (XDG_* of the daemons), its own UNIX socket, and a TCP listener on a free loopback port — so
// it never talks to a system libvirtd, and several test files (or branches) can each run their own at
// once. As root the daemons run as an unprivileged user (session mode needs one; root's libvirtd is always
// the system daemon with fixed paths). stop() destroys what the daemon still runs, then stops libvirtd and
// virtlogd (and any virtlogd libvirtd spawned itself); it also runs when startup fails, and a process exit
// hook kills whatever is left if a test run dies before stop(). --timeout makes both daemons exit on their
// own after 5 idle minutes should even that be skipped (SIGKILL of the test runner).
import {execa, type ResultPromise} from 'execa'
import {existsSync, openSync, readFileSync} from 'node:fs'
import {chown, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const LIBVIRTD = '/usr/sbin/libvirtd'
const VIRTLOGD = '/usr/sbin/virtlogd'
const IDLE_EXIT_S = 300

export interface Libvirtd {
  /** qemu:///session through the private UNIX socket. */
  uri: string
  /** qemu+tcp://127.0.0.1:PORT/session: the same daemon through its loopback TCP listener. */
  tcpUri: string
  port: number
  /** A directory the daemon's user may read and write: disk images go here. */
  imageDir: string
  /** A sparse raw disk image of `size` in imageDir that the daemon's QEMU may open read-write. */
  image(name: string, size?: string): Promise<string>
  /** Where the daemons log (for a failing test's message). */
  logDir: string
  stop(): Promise<void>
}

/** The user the daemons run as: the current one, or `nobody` when running as root. */
function daemonUser(): {uid: number; gid: number} | undefined {
  if (process.getuid?.() !== 0) return undefined
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'))
  if (!line) throw new Error('running as root, and there is no user "nobody" to run a session libvirtd as')
  const [, , uid, gid] = line.split(':')
  return {uid: Number(uid), gid: Number(gid)}
}

/** A TCP port nobody listens on right now (the kernel's choice for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** Pids this process started and has not stopped yet; killed on exit whatever happens. */
const running = new Set<number>()
const killAll = () => {
  for (const pid of running) killQuietly(pid, 'SIGKILL')
}
process.once('exit', killAll)
// Ctrl-C or a runner's SIGTERM: kill the daemons, then die of the same signal.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.once(signal, () => {
    killAll()
    process.kill(process.pid, signal)
  })

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone
  }
}

async function answers(uri: string): Promise<boolean> {
  const r = await execa('virsh', ['-c', uri, 'uri'], {reject: false, timeout: 10_000})
  return r.exitCode === 0
}

export interface StartOptions {
  /** Prefix of the private directory (every daemon's command line names it). */
  prefix?: string
  /** Lines added to libvirtd.conf (the helper's own test breaks startup with a bad one). */
  extraConfig?: string
}

export async function startLibvirtd(options: StartOptions = {}): Promise<Libvirtd> {
  for (const binary of [LIBVIRTD, VIRTLOGD, '/usr/bin/qemu-system-aarch64'])
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run .ci/libvirt-setup.sh (as root) first`)
  const root = await mkdtemp(join(tmpdir(), options.prefix ?? 'ubmgr-libvirtd-'))
  const dirs = {run: join(root, 'run'), config: join(root, 'config'), cache: join(root, 'cache'), data: join(root, 'data'), home: join(root, 'home'), images: join(root, 'images'), log: join(root, 'log')}
  const user = daemonUser()
  const children: ResultPromise[] = []
  const stop = async () => {
    await stopAll(root, children)
  }
  try {
    for (const d of Object.values(dirs)) await mkdir(d, {recursive: true, mode: 0o755})
    if (user) for (const d of [root, ...Object.values(dirs)]) await chown(d, user.uid, user.gid)
    const port = await freePort()
    const conf = join(root, 'libvirtd.conf')
    await writeFile(conf, `listen_tls = 0\nlisten_tcp = 1\nauth_tcp = "none"\ntcp_port = "${port}"\nlisten_addr = "127.0.0.1"\nunix_sock_dir = "${dirs.run}"\n${options.extraConfig ?? ''}\n`, {mode: 0o644})
    const logConf = join(root, 'virtlogd.conf')
    await writeFile(logConf, '', {mode: 0o644})
    const env = {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: dirs.home,
      XDG_RUNTIME_DIR: dirs.run,
      XDG_CONFIG_HOME: dirs.config,
      XDG_CACHE_HOME: dirs.cache,
      XDG_DATA_HOME: dirs.data,
      XDG_STATE_HOME: dirs.data,
    }
    const spawn = (binary: string, args: string[], log: string) => {
      const out = openSync(join(dirs.log, log), 'a')
      const child = execa(binary, args, {env, extendEnv: false, cwd: root, stdin: 'ignore', stdout: out, stderr: out, reject: false, ...(user ?? {})})
      if (child.pid) running.add(child.pid)
      children.push(child)
      return child
    }
    // virtlogd first, on the socket libvirtd will look for, so libvirtd never spawns one of its own.
    spawn(VIRTLOGD, ['--config', logConf, '--timeout', String(IDLE_EXIT_S)], 'virtlogd.log')
    for (let i = 0; i < 100 && !existsSync(join(dirs.run, 'libvirt', 'virtlogd-sock')); i++) await pause(50)
    const daemon = spawn(LIBVIRTD, ['--listen', '--config', conf, '--timeout', String(IDLE_EXIT_S)], 'libvirtd.log')
    const socket = join(dirs.run, 'libvirt-sock')
    const uri = `qemu:///session?socket=${socket}`
    const tcpUri = `qemu+tcp://127.0.0.1:${port}/session`
    for (let i = 0; i < 200 && daemon.exitCode === null && !(existsSync(socket) && (await answers(uri))); i++) await pause(100)
    if (!(await answers(uri))) throw new Error(`libvirtd did not answer on ${socket}: ${await tail(join(dirs.log, 'libvirtd.log'))}`)
    await sameDaemon(uri, tcpUri, root)
    const image = async (name: string, size = '16M') => {
      const path = join(dirs.images, name)
      await execa('truncate', ['-s', size, path])
      if (user) await chown(path, user.uid, user.gid)
      return path
    }
    return {uri, tcpUri, port, imageDir: dirs.images, logDir: dirs.log, image, stop}
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * The TCP URI must reach this daemon, not whatever else listens on the port: a secret defined through the
 * private socket has to be visible through TCP.
 */
async function sameDaemon(uri: string, tcpUri: string, root: string): Promise<void> {
  const uuid = crypto.randomUUID()
  const file = join(root, 'marker-secret.xml')
  await writeFile(file, `<secret ephemeral='yes' private='yes'><uuid>${uuid}</uuid></secret>`)
  await execa('virsh', ['-c', uri, 'secret-define', file])
  const seen = await execa('virsh', ['-c', tcpUri, 'secret-list'], {reject: false, timeout: 10_000})
  await execa('virsh', ['-c', uri, 'secret-undefine', uuid], {reject: false})
  if (!String(seen.stdout).includes(uuid)) throw new Error(`${tcpUri} is not the libvirtd started on ${uri} (another daemon took the port?)`)
}

async function stopAll(root: string, children: ResultPromise[]): Promise<void> {
  const runDir = join(root, 'run')
  const socket = join(runDir, 'libvirt-sock')
  // Domains first: QEMU outlives libvirtd otherwise.
  if (existsSync(socket)) {
    const uri = `qemu:///session?socket=${socket}`
    const ids = await execa('virsh', ['-c', uri, 'list', '--name'], {reject: false, timeout: 10_000})
    for (const name of String(ids.stdout).split('\n').filter((n) => n.trim() !== ''))
      await execa('virsh', ['-c', uri, 'destroy', '--', name], {reject: false, timeout: 20_000})
  }
  // Then the daemons, libvirtd before virtlogd; plus any daemon or QEMU whose pid file is in the run dir.
  const pids = [...children.map((c) => c.pid).filter((p): p is number => p !== undefined).reverse(), ...(await pidFiles(runDir))]
  for (const pid of new Set(pids)) killQuietly(pid, 'SIGTERM')
  await Promise.race([Promise.all(children), pause(10_000)])
  for (const pid of new Set(pids)) {
    if (alive(pid)) killQuietly(pid, 'SIGKILL')
    running.delete(pid)
  }
  await Promise.race([Promise.all(children), pause(5_000)])
  await rm(root, {recursive: true, force: true})
}

/** Pids in pid files under the run dir that still belong to libvirt's daemons or QEMU. */
async function pidFiles(dir: string): Promise<number[]> {
  const found: number[] = []
  const walk = async (d: string): Promise<void> => {
    const {readdir} = await import('node:fs/promises')
    for (const entry of await readdir(d, {withFileTypes: true}).catch(() => [])) {
      const path = join(d, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if (entry.name.endsWith('.pid')) {
        const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim())
        if (pid > 0 && /libvirtd|virtlogd|qemu-system/.test(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''))) found.push(pid)
      }
    }
  }
  await walk(dir)
  return found
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function tail(file: string): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '(no log)')).trim().split('\n').slice(-5).join(' | ')
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
