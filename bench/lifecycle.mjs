// npm run bench:lifecycle — define+start+destroy+undefine of N VMs (default 1,000), side by side:
//   1. ubmgr's embedded backend through its library API, in one process (store, locks, atomic writes);
//   2. the same through the ubmgr CLI, one process per command, on a sample (process startup dominates);
//   3. virsh -c test:///default in batch mode: one process, all commands (libvirt's in-memory test driver).
// Not a test; figures depend on the machine.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, dirname} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.BENCH_VMS ?? 1000)
const CLI_SAMPLE = Number(process.env.BENCH_CLI_SAMPLE ?? 10)
const work = mkdtempSync(join(tmpdir(), 'ubmgr-bench-'))
process.env.UBMGR_STATE_DIR = join(work, 'state')

const {SimBackend} = await import(join(root, 'dist/backends/sim/backend.js'))
const {EmbeddedStore} = await import(join(root, 'dist/backends/sim/store.js'))

const definition = (i) => ({name: `bench-${i}`, vcpus: 1, memory: '1GiB', disks: [{target: 'vda', source: `/var/lib/libvirt/images/bench-${i}.qcow2`}]})

// 1. library, in process
const backend = new SimBackend('sim:///bench', new EmbeddedStore('bench'))
let t = performance.now()
for (let i = 0; i < N; i++) {
  await backend.define(definition(i), {dryRun: false, source: 'bench'})
  await backend.start(`bench-${i}`)
  await backend.destroy(`bench-${i}`)
  await backend.undefine(`bench-${i}`)
}
const lib = (performance.now() - t) / N

// 2. CLI, one process per command
const bin = join(root, 'bin/run.js')
t = performance.now()
for (let i = 0; i < CLI_SAMPLE; i++) {
  const file = join(work, `cli-${i}.json`)
  writeFileSync(file, JSON.stringify({...definition(i), name: `cli-${i}`}))
  for (const args of [['define', file], ['start', `cli-${i}`], ['destroy', `cli-${i}`], ['undefine', `cli-${i}`]]) {
    const r = spawnSync(process.execPath, [bin, ...args, '-q', '-c', 'sim:///cli'], {stdio: ['ignore', 'ignore', 'pipe']})
    if (r.status !== 0) throw new Error(`ubmgr ${args.join(' ')}: ${r.stderr}`)
  }
}
const cli = (performance.now() - t) / CLI_SAMPLE

// 3. virsh batch mode on the test driver
let virshPerVm
if (spawnSync('virsh', ['--version']).status === 0) {
  const cmds = []
  for (let i = 0; i < N; i++) {
    const xml = join(work, `v-${i}.xml`)
    writeFileSync(xml, `<domain type='test'><name>v-${i}</name><memory unit='KiB'>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/v-${i}.qcow2'/><target dev='vda' bus='virtio'/></disk></devices></domain>`)
    cmds.push(`define ${xml}`, `start v-${i}`, `destroy v-${i}`, `undefine v-${i}`)
  }
  t = performance.now()
  execFileSync('virsh', ['-q', '-c', 'test:///default', cmds.join('; ')], {stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 26})
  virshPerVm = (performance.now() - t) / N
}
rmSync(work, {recursive: true, force: true})

console.log(`define+start+destroy+undefine, per VM (${N} VMs; CLI sample ${CLI_SAMPLE})`)
console.log(`  ubmgr embedded, library API, one process  ${lib.toFixed(2)} ms/VM`)
console.log(`  ubmgr embedded, CLI, a process per verb   ${cli.toFixed(1)} ms/VM`)
if (virshPerVm !== undefined) {
  console.log(`  virsh -c test:///default, batch mode      ${virshPerVm.toFixed(2)} ms/VM`)
  console.log(`  ratio library / virsh batch: ${(lib / virshPerVm).toFixed(1)}×; CLI / virsh batch: ${(cli / virshPerVm).toFixed(0)}×`)
} else console.log('  virsh not installed: no side-by-side peer')
