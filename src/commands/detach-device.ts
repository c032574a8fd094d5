import {DeviceCommand} from '../cli/device-command.js'

export default class DetachDevice extends DeviceCommand {
  static override summary = 'Detach a device from a domain'
  static override examples = ['<%= config.bin %> detach-device vm1 nic1.yaml --live', '<%= config.bin %> detach-device vm1 disk.xml --config']
  // oclif spreads the command's own statics into its parser options: inherited ones would be lost.
  static override args = DeviceCommand.args
  static override flags = DeviceCommand.flags
  protected readonly verb = 'detach'
}
