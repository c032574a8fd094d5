import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../cli/command.js'
import {printData} from '../cli/output.js'

export default class Render extends UbmgrCommand {
  static override summary = 'Render a UB VM definition as libvirt domain XML'
  static override description =
    'Targets:\n' +
    '  ubmgr      standard libvirt XML plus <ub-controller>, <ub-device> and <fusion-device> (schemas/ubmgr-domain.rng)\n' +
    '  openeuler  openEuler libvirt’s UB grammar: <controller type=\'ub\' model=\'ubc\'>, <hostdev type=\'ub\'>, <iommu model=\'ummu\'/> ' +
    '(schemas/ubmgr-openeuler.rng); its limits are checked first (GUID seq_num in decimal digits, one port per device)\n' +
    '  upstream   accepted by stock libvirt ≥ 9.0 with --validate: UB data in <metadata>, the QEMU devices ' +
    'openEuler libvirt would generate in <qemu:commandline>\n' +
    'The output is deterministic. Warnings (the user guide’s limits, pool requests not yet resolved) go to stderr.'
  static override examples = [
    '<%= config.bin %> render examples/dpu-passthrough.yaml',
    '<%= config.bin %> render examples/fusion-net-aa.yaml --target upstream -o gateway.xml',
  ]
  static override args = {file: Args.string({description: 'definition file (YAML or JSON), or - for stdin', required: true})}
  static override flags = {
    target: Flags.string({char: 't', summary: 'XML form to produce', options: ['ubmgr', 'openeuler', 'upstream'], default: 'ubmgr'}),
    output: Flags.string({
      char: 'o',
      summary: 'write to this file (atomically) instead of stdout',
      description: 'Only a regular file is written: a symbolic link, FIFO, device or directory is refused. An existing file keeps its mode (and owner where possible); a new one is 0644.',
    }),
  }

  async run(): Promise<{file: string; target: string; output?: string; warnings: string[]; xml: string}> {
    const {args, flags} = await this.parse(Render)
    this.inputFile = args.file
    const [{loadAndValidate}, {formatProblem}] = await Promise.all([import('../xml/validate.js'), import('../ground/problem.js')])
    const {renderDomain} = await import('../xml/render.js')
    const target = flags.target as 'ubmgr' | 'openeuler' | 'upstream'
    const {vm, warnings: problems} = await loadAndValidate(args.file, {target})
    for (const p of problems) this.note(formatProblem(p))
    const {xml, warnings} = renderDomain(vm, target)
    for (const w of warnings) this.note(`warning: ${w}`)
    if (flags.output) {
      const {writeOutputFile} = await import('../cli/output-file.js')
      const written = await writeOutputFile(flags.output, xml)
      if (written.ownerChanged) this.note(`warning: ${flags.output} belonged to uid ${written.ownerChanged.from}; ubmgr may not give it back, so it is now yours`)
      this.note(`wrote ${flags.output} (${target})`)
    } else if (!this.jsonEnabled()) printData(xml)
    return {file: args.file, target, output: flags.output, warnings: [...problems.map(formatProblem), ...warnings], xml}
  }
}
