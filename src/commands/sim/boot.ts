import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {UbmgrError} from '../../ground/errors.js'
import {UbmgrCommand} from '../../cli/command.js'
import {printData, printErr, printJson} from '../../cli/output.js'

export default class SimBoot extends UbmgrCommand {
  static override summary = 'Boot a UB VM definition in the simulator and show every step'
  static override description =
    'Walks the real sequence without defining anything: libvirt prepare (placement, bind, vfio-ub), QEMU realize, ' +
    'firmware tables, guest ubfi, UMMU and msgq init, topology scan, config accesses, UBBA, TID/UEID, UMMU ' +
    'tables, USI, a DMA check. Times are simulated µs from a cost model. --json: {name, state, events}.'
  static override examples = ['<%= config.bin %> sim boot examples/dpu-passthrough.yaml', '<%= config.bin %> sim boot vm.yaml --host big.yaml --json']
  static override args = {file: Args.string({description: 'definition file', required: true})}
  static override flags = {
    host: Flags.string({summary: 'host fabric file (JSON or YAML) or sysfs:PATH (default: the bundled examples/hosts/default.yaml)'}),
    seed: Flags.integer({summary: 'seed of the cost jitter', default: 1}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(SimBoot)
    this.inputFile = args.file
    const [{loadAndValidate}, {normalize}, {loadHost}, {bootVm}, {renderTrace}, {allocateForStart}, {ledgerFromHost}] = await Promise.all([
      import('../../xml/validate.js'),
      import('../../definition/index.js'),
      import('../../sim/host/index.js'),
      import('../../sim/vm/index.js'),
      import('../../cli/trace.js'),
      import('../../backends/sim/pool.js'),
      import('../../pool/entity-reg.js'),
    ])
    const {definition} = await loadAndValidate(args.file)
    const host = await loadHost(flags.host)
    // pool requests are resolved by the pool (a fresh ledger of this host) before the walk, as start does
    const pool = allocateForStart(definition, ledgerFromHost(host).ledger, host)
    const vm = normalize(pool.live)
    const r = bootVm(vm, pool.host, {seed: flags.seed, poolSteps: pool.steps})
    if (!this.jsonEnabled() && !this.quiet) printData(renderTrace(r.events))
    if (!r.ok) {
      if (this.jsonEnabled()) printJson({name: vm.name, state: 'failed', error: r.error, events: r.events})
      else printErr(`error: ${r.error.phase}: ${r.error.component}: ${r.error.message}`)
      throw new UbmgrError([], 1)
    }
    this.note(`${vm.name}: running, ${r.guest.devices.length} UB device(s) ready, ${r.events.length} steps, ${r.guest.t_us} µs simulated`)
    return {name: vm.name, state: 'running', events: r.events}
  }
}
