import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../cli/command.js'
import {connectFlag, targetFlag} from '../cli/flags.js'

export default class Define extends UbmgrCommand {
  static override summary = 'Define (create or update) a domain from a definition or domain XML'
  static override description =
    'FILE is a UB VM definition (YAML/JSON) or domain XML of any target. Defining the same name again keeps ' +
    'its uuid and reports whether anything changed; a different uuid for an existing name is refused, as ' +
    'libvirt does. With --dry-run nothing changes: the definition is validated and the change is shown. ' +
    'On libvirt the XML is defined with --validate and the stored XML is compared with what was sent. Without ' +
    '--target, ubmgr asks that libvirt whether it understands UB (domain capabilities, else a validating probe ' +
    'that defines nothing) and sends the openeuler form there, the upstream form elsewhere; it says which.'
  static override examples = [
    '<%= config.bin %> define examples/dpu-passthrough.yaml',
    '<%= config.bin %> define vm.yaml --dry-run',
    '<%= config.bin %> -c qemu:///system define vm.yaml --target openeuler',
  ]
  static override args = {file: Args.string({description: 'definition (YAML/JSON) or domain XML', required: true})}
  static override flags = {
    connect: connectFlag,
    target: targetFlag,
    'dry-run': Flags.boolean({summary: 'validate and show what would change; change nothing'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Define)
    this.inputFile = args.file
    const [{openBackend}, {loadDefinitionOrXml}] = await Promise.all([import('../backends/index.js'), import('../backends/define-input.js')])
    const backend = await openBackend(flags.connect, flags.target as 'openeuler' | 'upstream' | undefined)
    const {target} = await backend.targetChoice()
    const {definition, warnings} = await loadDefinitionOrXml(args.file, target)
    for (const w of warnings) this.note(w)
    const result = await backend.define(definition, {dryRun: Boolean(flags['dry-run']), source: args.file})
    if (result.target) this.say(`Target ${result.target.name}: ${result.target.reason}`)
    if (result.dryRun) {
      for (const line of result.diff) this.say(line)
      this.say(`Dry run: domain '${result.name}' would be ${result.outcome === 'unchanged' ? 'left unchanged' : result.outcome === 'created' ? 'created' : 'changed'}`)
    } else this.say(`Domain '${result.name}' defined from ${args.file}${result.outcome === 'unchanged' ? ' (unchanged)' : result.outcome === 'changed' ? ' (changed)' : ''}`)
    return result
  }
}
