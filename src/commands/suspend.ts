import {DomainVerbCommand} from '../cli/domain-verb.js'

export default class Suspend extends DomainVerbCommand {
  static override summary = 'Suspend a running domain (its vCPUs stop; devices stay assigned)'
  static override description = "virsh suspend: the domain becomes paused (reason: user). Suspending a paused domain does nothing. On sim:// the guest keeps its UB devices, bus-instance lock and pool slices."
  static override examples = ['<%= config.bin %> suspend vm1', 'ubmgr list --name | <%= config.bin %> suspend -']
  static override args = DomainVerbCommand.args
  static override flags = DomainVerbCommand.flags
  protected readonly verb = 'suspend'
  protected readonly done = 'suspended'
}
