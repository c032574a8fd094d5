import {DeviceCommand} from '../cli/device-command.js'

export default class AttachDevice extends DeviceCommand {
  static override summary = 'Attach a device to a domain'
  static override examples = ['<%= config.bin %> attach-device vm1 nic1.yaml --live', '<%= config.bin %> attach-device vm1 disk.xml --persistent']
  // oclif spreads the command's own statics into its parser options: inherited ones would be lost.
  static override args = DeviceCommand.args
  static override flags = DeviceCommand.flags
  protected readonly verb = 'attach'
}
