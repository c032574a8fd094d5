import {DomainVerbCommand} from '../cli/domain-verb.js'

export default class Undefine extends DomainVerbCommand {
  static override summary = 'Remove a domain’s persistent configuration'
  static override description = "A running domain keeps running as a transient domain, as libvirt does; destroy then removes it."
  static override examples = ['<%= config.bin %> undefine vm1', 'ubmgr list --all --name | <%= config.bin %> undefine -']
  // oclif spreads the command's own statics into its parser options: inherited ones would be lost.
  static override args = DomainVerbCommand.args
  static override flags = DomainVerbCommand.flags
  protected readonly verb = 'undefine'
  protected readonly done = 'has been undefined'
}
