import {DomainVerbCommand} from '../cli/domain-verb.js'

export default class Resume extends DomainVerbCommand {
  static override summary = 'Resume a suspended domain'
  static override description = "virsh resume: a paused domain runs again (reason: unpaused). As libvirt's QEMU driver, resuming a running domain is not an error."
  static override examples = ['<%= config.bin %> resume vm1', 'ubmgr list --name | <%= config.bin %> resume -']
  static override args = DomainVerbCommand.args
  static override flags = DomainVerbCommand.flags
  protected readonly verb = 'resume'
  protected readonly done = 'resumed'
}
