import {access} from 'node:fs/promises'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {UbmgrError, UsageError} from '../../ground/errors.js'
import {UbmgrCommand} from '../../cli/command.js'
import {connectFlag} from '../../cli/flags.js'

export default class SimIo extends UbmgrCommand {
  static override summary = 'Run IO through a fusion device’s data plane with member faults, and report'
  static override description =
    'A discrete-event simulation (the same result for the same seed) of the aggregated device: the guest’s workload ' +
    'through the virtqueue → member queue map onto the member slices; faults; FusionD’s detection, switch and failback. ' +
    'Block workloads follow fio (every write checksummed, every read verified); net workloads count lost and ' +
    'reordered packets. The report ends with the same fault handled by a bond or dm-multipath inside the guest. ' +
    'NAME is a domain of the embedded backend or a definition file. ' +
    '--workload: key=value,… with fio’s names (rw, rwmixread, bs, iodepth, rate_iops, blocks, nonidempotent; net: ' +
    'pps, size, ring). --faults: none, random, or KIND[:MEMBER]@TIME[+DURATION][*FACTOR],… with KIND link-down, ' +
    'card-reset, slow, all-down or failback.'
  static override examples = [
    '<%= config.bin %> sim io examples/fusion-blk-ap.yaml --faults link-down:ssd-ctrl-a@20ms+200ms',
    '<%= config.bin %> sim io examples/fusion-net-aa.yaml --faults random --ios 200000 --svg net.svg',
    '<%= config.bin %> sim io db-primary-02 --workload rw=randwrite,iodepth=32 --detect polling --json',
  ]
  static override args = {name: Args.string({description: 'domain name (embedded backend) or definition file', required: true})}
  static override flags = {
    connect: connectFlag,
    device: Flags.string({summary: 'fusion device (default: the first)'}),
    workload: Flags.string({summary: 'workload, key=value,… (default: the device kind’s)', default: 'default'}),
    faults: Flags.string({summary: 'none, random, or a fault list', default: 'none'}),
    ios: Flags.integer({summary: 'requests (or packets) to run', default: 100_000, min: 1, max: 10_000_000}),
    seed: Flags.integer({summary: 'seed of the simulation', default: 1}),
    detect: Flags.string({summary: 'how FusionD learns of a failure', options: ['event', 'polling'], default: 'event'}),
    interval: Flags.integer({summary: 'polling interval in ms (bonding’s miimon)', default: 100, min: 1}),
    updelay: Flags.integer({summary: 'ms a member must stay up before it is used again', default: 0, min: 0}),
    downdelay: Flags.integer({summary: 'ms a member must stay down before it is failed', default: 0, min: 0}),
    'no-path-retry': Flags.integer({summary: 'ms requests wait when no member is up, then fail', default: 5000, min: 0}),
    svg: Flags.string({summary: 'write a timeline of per-member throughput (SVG) to this file'}),
    host: Flags.string({summary: 'host fabric for a definition file (default: the bundled one)'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(SimIo)
    const [{fusionSpecOf}, {parseWorkload}, {parseFaults}, {simulateIo, expectedSpanUs}, {defaultDetection}, {compareGuestVisible}, {ioReport, throughputTimeline}] = await Promise.all([
      import('../../sim/vm/fusion-members.js'),
      import('../../fusion/workload.js'),
      import('../../fusion/faults.js'),
      import('../../fusion/dataplane.js'),
      import('../../fusion/detection.js'),
      import('../../fusion/guest-visible.js'),
      import('../../fusion/report.js'),
    ])
    const {vm, host, running} = await this.target(args.name, flags)
    const built = fusionSpecOf(vm, host, flags.device)
    if (built.problems.length > 0) throw new UbmgrError(built.problems.map((p) => `error: ${p}`))
    const spec = built.spec
    // a running domain's device starts as FusionD has it now (members down or standby, its queue map)
    const rt = running.find((x) => x.spec.name === spec.name)
    const start = rt ? {map: rt.map, view: rt.view} : undefined
    const w = parseWorkload(flags.workload, spec.kind)
    const names = spec.members.map((m) => m.name)
    const f = flags.faults === 'random' || flags.faults === 'none' ? undefined : parseFaults(flags.faults, names)
    const problems = ('problems' in w ? w.problems : []).concat(f && 'problems' in f ? f.problems : [])
    if (problems.length > 0) throw new UsageError(problems.map((p) => `error: ${p}`))
    const workload = (w as {workload: import('../../fusion/workload.js').Workload}).workload
    const faults: import('../../fusion/faults.js').Fault[] | 'random' =
      flags.faults === 'random' ? 'random' : flags.faults === 'none' ? [] : (f as {faults: import('../../fusion/faults.js').Fault[]}).faults
    const detection = {...defaultDetection(flags.detect as 'event' | 'polling'), intervalUs: flags.interval * 1000, upDelayUs: flags.updelay * 1000, downDelayUs: flags.downdelay * 1000}
    const o = {ios: flags.ios, seed: flags.seed, faults, detection, options: {noPathRetryUs: flags['no-path-retry'] * 1000}, start}
    const result = simulateIo(spec, workload, o)
    // the comparison uses the run's first member loss, else a link loss of the busiest member a third of the way in
    const lossFault = (Array.isArray(faults) ? faults : []).find((x) => x.kind === 'link-down' || x.kind === 'card-reset') ?? {
      kind: 'link-down' as const,
      member: result.members.reduce((best, m, i, all) => (m.ios > all[best].ios ? i : best), 0),
      atUs: Math.round(expectedSpanUs(spec, workload, flags.ios) / 3),
    }
    const comparison = compareGuestVisible(spec, workload, lossFault, {ios: flags.ios, seed: flags.seed, detection})
    const report = ioReport(result, comparison)
    if (flags.svg) await this.writeSvg(flags.svg, spec.name, throughputTimeline(result))
    if (!this.jsonEnabled() && !this.quiet) {
      const {ioReportText} = await import('../../cli/fusion-report.js')
      this.say(ioReportText(report))
    }
    if (report.ios_lost > 0 || report.verify_failures > 0 || report.duplicates > 0)
      this.note(`warning: ${report.ios_lost} lost, ${report.verify_failures} verify failures, ${report.duplicates} duplicates`)
    return report
  }

  /** NAME as a file if one exists there, else a domain of the embedded backend (its running state, if any). */
  private async target(name: string, flags: {connect?: string; host?: string}) {
    const [{loadAndValidate}, {loadHost}] = await Promise.all([import('../../definition/index.js'), import('../../sim/host/index.js')])
    const isFile = await access(name).then(
      () => true,
      () => false,
    )
    if (isFile) return {vm: (await loadAndValidate(name)).vm, host: await loadHost(flags.host), running: []}
    const [{resolveUri, simStoreName, backendKind}, {EmbeddedStore}, {normalize}, {initialHost}] = await Promise.all([
      import('../../backends/uri.js'),
      import('../../backends/sim/store.js'),
      import('../../definition/normalize.js'),
      import('../../backends/sim/hook.js'),
    ])
    const uri = resolveUri(flags.connect)
    if (backendKind(uri) !== 'sim') throw new UsageError(`error: sim io reads domains of the embedded backend; ${uri} is libvirt (give a definition file instead)`)
    const store = new EmbeddedStore(simStoreName(uri))
    const record = await store.readDomain(name)
    if (!record) throw new UbmgrError(`error: failed to get domain '${name}' (and no file named '${name}')`)
    const host = (await store.state.read<import('../../sim/host/model.js').HostState>('host')) ?? (await initialHost())
    const running = record.state === 'running' ? ((record.sim as import('../../sim/vm/index.js').GuestState | null)?.fusion ?? []) : []
    return {vm: normalize((record.live ?? record.config)!), host, running}
  }

  private async writeSvg(file: string, device: string, t: {series: Array<{name: string; points: Array<[number, number]>}>; markers: Array<{x: number; label: string}>}): Promise<void> {
    const [{lineChartSvg}, {writeFileAtomic}] = await Promise.all([import('../../cli/chart.js'), import('../../store/atomic-file.js')])
    const svg = await lineChartSvg({title: `${device}: throughput per member`, xLabel: 'simulated time (ms)', yLabel: 'MB/s', series: t.series, markers: t.markers})
    try {
      await writeFileAtomic(file, svg)
    } catch (error) {
      throw new UbmgrError(`error: cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
  }
}
