import {DomainVerbCommand} from '../cli/domain-verb.js'

export default class Reboot extends DomainVerbCommand {
  static override summary = 'Reboot a running domain'
  static override description = "virsh reboot. On sim:// the guest is torn down and the boot walk runs again (firmware tables, UMMU, USI, topology scan), with the same devices and pool slices."
  static override examples = ['<%= config.bin %> reboot vm1', 'ubmgr list --name | <%= config.bin %> reboot -']
  static override args = DomainVerbCommand.args
  static override flags = DomainVerbCommand.flags
  protected readonly verb = 'reboot'
  protected readonly done = 'is being rebooted'
}
