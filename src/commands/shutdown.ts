import {DomainVerbCommand} from '../cli/domain-verb.js'

export default class Shutdown extends DomainVerbCommand {
  static override summary = 'Shut a running domain down gracefully'
  static override description = "On sim:// the guest honours the request at once, like libvirt's test driver; on QEMU it needs a cooperating guest."
  static override examples = ['<%= config.bin %> shutdown vm1', 'ubmgr list --all --name | <%= config.bin %> shutdown -']
  // oclif spreads the command's own statics into its parser options: inherited ones would be lost.
  static override args = DomainVerbCommand.args
  static override flags = DomainVerbCommand.flags
  protected readonly verb = 'shutdown'
  protected override readonly leaves = 'shut off' as const
  protected readonly done = 'is being shutdown'
}
