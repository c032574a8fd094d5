import {DomainVerbCommand} from '../cli/domain-verb.js'

export default class Reset extends DomainVerbCommand {
  static override summary = 'Reset a running domain, like pressing the reset button'
  static override description = "virsh reset: a hard reset, no guest shutdown. On sim:// the same walk as reboot."
  static override examples = ['<%= config.bin %> reset vm1', 'ubmgr list --name | <%= config.bin %> reset -']
  static override args = DomainVerbCommand.args
  static override flags = DomainVerbCommand.flags
  protected readonly verb = 'reset'
  protected readonly done = 'was reset'
}
