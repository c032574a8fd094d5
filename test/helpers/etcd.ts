// Real etcd for the shared-pool tests: members on loopback with free ports, each with its own data directory in a
// temp directory, never the system etcd (2379). Every member runs in its own process group and is killed with it:
// by stop() (afterAll), by kill(), and by an exit hook when the test process dies before that.
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {freePort} from './libvirtd.js'

export const ETCD = '/usr/bin/etcd'

export interface EtcdMember {
  name: string
  clientPort: number
  peerPort: number
  dataDir: string
  proc?: ChildProcess
}

/** Process groups this process started and has not stopped yet. */
const groups = new Set<number>()
const killGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}
process.once('exit', () => {
  for (const pid of groups) killGroup(pid, 'SIGKILL')
})

const WATCHDOG = 'parent=$1; shift; "$@" & child=$!; trap \'kill -9 $child 2>/dev/null; exit 0\' TERM INT; while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done; kill -9 "$child" 2>/dev/null'

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

export class EtcdCluster {
  private constructor(
    readonly dir: string,
    readonly members: EtcdMember[],
  ) {}

  /** n members (1 or 3), started and healthy; throws a clear line when etcd is not installed. */
  static async start(n: number): Promise<EtcdCluster> {
    if (!existsSync(ETCD)) throw new Error(`${ETCD} is missing: apt-get install etcd-server (the shared-pool tests run a real etcd)`)
    const dir = await mkdtemp(join(tmpdir(), 'ubmgr-etcd-'))
    const members: EtcdMember[] = []
    for (let i = 0; i < n; i++) members.push({name: `m${i}`, clientPort: await freePort(), peerPort: await freePort(), dataDir: join(dir, `m${i}`)})
    const cluster = new EtcdCluster(dir, members)
    try {
      for (const m of members) await cluster.spawn(m, 'new')
      await cluster.healthy(members)
    } catch (error) {
      await cluster.stop()
      throw error
    }
    return cluster
  }

  get endpoints(): string[] {
    return this.members.map((m) => `127.0.0.1:${m.clientPort}`)
  }

  /** --pool value for a prefix of its own. */
  uri(prefix: string): string {
    return `etcd://${this.endpoints.join(',')}/${prefix}`
  }

  private async spawn(m: EtcdMember, state: 'new' | 'existing'): Promise<void> {
    await mkdir(m.dataDir, {recursive: true})
    const peer = (x: EtcdMember) => `http://127.0.0.1:${x.peerPort}`
    const args = [
      '--name', m.name,
      '--data-dir', m.dataDir,
      '--listen-client-urls', `http://127.0.0.1:${m.clientPort}`,
      '--advertise-client-urls', `http://127.0.0.1:${m.clientPort}`,
      '--listen-peer-urls', peer(m),
      '--initial-advertise-peer-urls', peer(m),
      '--initial-cluster', this.members.map((x) => `${x.name}=${peer(x)}`).join(','),
      '--initial-cluster-state', state,
      '--initial-cluster-token', `ubmgr-test-${process.pid}`,
      '--logger', 'zap', '--log-level', 'error',
    ]
    // a fixed sh script (arguments passed as argv, never spliced) that ends etcd when this process dies even by
    // SIGKILL, when no exit hook runs; its process group holds both, and kill() ends the group
    const proc = spawn('sh', ['-c', WATCHDOG, 'etcd-watchdog', String(process.pid), ETCD, ...args], {detached: true, stdio: ['ignore', 'ignore', 'pipe']})
    proc.stderr?.resume()
    groups.add(proc.pid!)
    proc.once('exit', () => groups.delete(proc.pid!))
    m.proc = proc
  }

  /** Every given member answers /health with true (a leader is elected). */
  async healthy(members: EtcdMember[] = this.members.filter((m) => m.proc && m.proc.exitCode === null && m.proc.signalCode === null), timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (const m of members) {
      for (;;) {
        if (m.proc && (m.proc.exitCode !== null || m.proc.signalCode !== null)) throw new Error(`etcd member ${m.name} exited (${m.proc.exitCode ?? m.proc.signalCode}); is etcd-server installed and the port free?`)
        const ok = await fetch(`http://127.0.0.1:${m.clientPort}/health`, {signal: AbortSignal.timeout(1000)})
          .then(async (r) => r.ok && ((await r.json()) as {health: string}).health === 'true')
          .catch(() => false)
        if (ok) break
        if (Date.now() > deadline) throw new Error(`etcd member ${m.name} not healthy within ${timeoutMs} ms`)
        await pause(100)
      }
    }
  }

  /** The member that leads now. */
  async leader(): Promise<number> {
    const {Etcd3} = await import('etcd3')
    for (const [i, m] of this.members.entries()) {
      if (!m.proc || m.proc.exitCode !== null || m.proc.signalCode !== null) continue
      const c = new Etcd3({hosts: `http://127.0.0.1:${m.clientPort}`})
      try {
        const s = await c.maintenance.status()
        if (s.leader === s.header.member_id) return i
      } catch {
        // down: try the next
      } finally {
        c.close()
      }
    }
    throw new Error('no etcd leader')
  }

  /** SIGKILL a member's process group (as a crash would). */
  async kill(i: number): Promise<void> {
    const p = this.members[i].proc
    // a process killed by a signal has signalCode set and exitCode null
    if (!p || p.exitCode !== null || p.signalCode !== null) return
    const gone = new Promise((r) => p.once('exit', r))
    killGroup(p.pid!, 'SIGKILL')
    await gone
  }

  /** Start a killed member again with its data (the partition heals). */
  async restart(i: number): Promise<void> {
    await this.spawn(this.members[i], 'existing')
    await this.healthy([this.members[i]])
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((_, i) => this.kill(i)))
    await rm(this.dir, {recursive: true, force: true})
  }
}
