import {DomainVerbCommand} from '../cli/domain-verb.js'

export default class Start extends DomainVerbCommand {
  static override summary = 'Start a defined domain'
  static override description = "On sim:// the simulator runs the boot walk (see ubmgr sim boot); on libvirt, virsh start. A UB domain on stock QEMU fails with QEMU's message and what is missing."
  static override examples = ['<%= config.bin %> start vm1', 'ubmgr list --all --name | <%= config.bin %> start -']
  // oclif spreads the command's own statics into its parser options: inherited ones would be lost.
  static override args = DomainVerbCommand.args
  static override flags = DomainVerbCommand.flags
  protected readonly verb = 'start'
  protected override readonly leaves = 'running' as const
  protected readonly done = 'started'
}
