import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../../cli/command.js'
import {UsageError} from '../../ground/errors.js'

export default class PoolSimulate extends UbmgrCommand {
  static override summary = 'What pooling buys: replay a demand trace over fixed DPUs, pooled-at-peak, load-driven pooling and the offline optimum'
  static override description =
    'Without --trace, a seeded synthetic trace calibrated to the published statistics (1,000 servers, 10,000 VMs, ' +
    'one week at 5-minute steps by default). --trace reads Alibaba cluster-trace-v2018 machine_usage CSV or ' +
    'Bitbrains per-VM CSVs (a file or a directory; the format is detected). Prints a table and the targets; ' +
    '--svg writes the utilization chart, --report the whole report as JSON. --json prints one line:\n' +
    '{"fixed_util", "pooled_peak_util", "dynamic_util", "dynamic_cards", "oracle_cards", "unmet_demand_pct", "moves"}.'
  static override examples = [
    '<%= config.bin %> pool simulate --svg pool.svg',
    '<%= config.bin %> pool simulate --trace machine_usage.csv --json',
    '<%= config.bin %> pool simulate --trace fastStorage/2013-8 --vms-per-server 10',
  ]
  static override flags = {
    trace: Flags.string({summary: 'Alibaba machine_usage CSV, or a Bitbrains file or directory'}),
    seed: Flags.integer({summary: 'seed of the synthetic trace', default: 1}),
    servers: Flags.integer({summary: 'servers (one fixed card each) in the synthetic trace', default: 1000}),
    vms: Flags.integer({summary: 'VMs in the synthetic trace', default: 10000}),
    days: Flags.integer({summary: 'days of the synthetic trace', default: 7}),
    step: Flags.integer({summary: 'step in seconds', default: 300}),
    'card-bandwidth': Flags.string({summary: 'one card’s bandwidth', default: '100Gbit/s'}),
    'vms-per-server': Flags.integer({summary: 'Bitbrains VMs per server (the trace has no placement)', default: 10}),
    svg: Flags.string({summary: 'write the utilization chart (SVG) here'}),
    report: Flags.string({summary: 'write the whole report (JSON) here'}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(PoolSimulate)
    const [{bandwidthToMbps}, {syntheticTrace}, {readTrace}, {simulate}, {strategiesTable, targets, targetsText, utilizationChart}, {libraryProgress}, {writeOutputFile}, {printData}] = await Promise.all([
      import('../../definition/units.js'),
      import('../../pool/simulate/trace.js'),
      import('../../pool/simulate/readers.js'),
      import('../../pool/simulate/index.js'),
      import('../../cli/pool-simulate.js'),
      import('../../cli/progress.js'),
      import('../../cli/output-file.js'),
      import('../../cli/output.js'),
    ])
    const cardMbps = bandwidthToMbps(flags['card-bandwidth'])
    if (!cardMbps) throw new UsageError(`error: --card-bandwidth must be like 100Gbit/s, not '${flags['card-bandwidth']}'`)
    for (const [name, v] of [['--servers', flags.servers], ['--vms', flags.vms], ['--days', flags.days], ['--step', flags.step], ['--vms-per-server', flags['vms-per-server']]] as const)
      if (v < 1) throw new UsageError(`error: ${name} must be at least 1`)
    const trace = flags.trace
      ? await readTrace(flags.trace, {stepSeconds: flags.step, cardMbps, vmsPerServer: flags['vms-per-server']})
      : syntheticTrace({seed: flags.seed, servers: flags.servers, vms: flags.vms, days: flags.days, stepSeconds: flags.step, cardMbps})
    const progress = await libraryProgress('simulating')
    const t = performance.now()
    const report = simulate(trace, {onProgress: progress.update})
    const seconds = (performance.now() - t) / 1000
    progress.stop()
    if (flags.svg) await writeOutputFile(flags.svg, await utilizationChart(report))
    if (flags.report) await writeOutputFile(flags.report, JSON.stringify(report, null, 2) + '\n')
    this.say(`${report.trace.name}; ${report.trace.slices} slices; cards of ${flags['card-bandwidth']}\n\n${strategiesTable(report)}\n\n${targetsText(targets(report, seconds))}`)
    this.note(`simulated in ${seconds.toFixed(1)} s${flags.svg ? `; chart in ${flags.svg}` : ''}${flags.report ? `; report in ${flags.report}` : ''}`)
    if (this.jsonEnabled()) printData(JSON.stringify(report.summary) + '\n')
    return undefined
  }
}
