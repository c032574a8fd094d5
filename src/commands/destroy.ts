import {DomainVerbCommand} from '../cli/domain-verb.js'

export default class Destroy extends DomainVerbCommand {
  static override summary = 'Stop a running domain at once (power off)'
  static override description = "A transient domain (undefined while running) disappears."
  static override examples = ['<%= config.bin %> destroy vm1', 'ubmgr list --all --name | <%= config.bin %> destroy -']
  // oclif spreads the command's own statics into its parser options: inherited ones would be lost.
  static override args = DomainVerbCommand.args
  static override flags = DomainVerbCommand.flags
  protected readonly verb = 'destroy'
  protected override readonly leaves = 'shut off' as const
  protected readonly done = 'destroyed'
}
