import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../output/command.js'
import {connectFlag, targetFlag} from '../output/lifecycle.js'

export default class DetachDevice extends UbmgrCommand {
  static override summary = 'Detach a device from a domain'
  static override description =
    'FILE is one device in YAML/JSON (a UB device, fusion device, disk or interface, bare or under one key\n' +
    'ubDevice:/fusion:/disk:/interface:) or an XML fragment of any target. Flags as virsh: no flag = --live;\n' +
    '--live and --config may be combined; --persistent = --config when stopped, --live --config when running;\n' +
    '--current = --live when running, --config when stopped, and excludes the others.'
  static override examples = ['<%= config.bin %> detach-device vm1 nic1.yaml --live', '<%= config.bin %> detach-device vm1 disk.xml --persistent']
  static override args = {
    name: Args.string({description: 'domain name', required: true}),
    file: Args.string({description: 'device file (YAML/JSON or XML fragment)', required: true}),
  }
  static override flags = {
    connect: connectFlag,
    target: targetFlag,
    live: Flags.boolean({summary: 'affect the running domain'}),
    config: Flags.boolean({summary: 'affect the next boot of a persistent domain'}),
    persistent: Flags.boolean({summary: '--config when stopped, --live --config when running'}),
    current: Flags.boolean({summary: '--live when running, --config when stopped'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(DetachDevice)
    const [{openBackend}, {loadDeviceFile}, {checkAttachFlags}] = await Promise.all([
      import('../backends/index.js'),
      import('../backends/devices.js'),
      import('../backends/attach-flags.js'),
    ])
    checkAttachFlags(flags)
    const device = await loadDeviceFile(args.file)
    const backend = await openBackend(flags.connect, flags.target as 'openeuler' | 'upstream' | undefined)
    const result = await backend.detach(args.name, device, flags)
    this.say((result as {pending?: boolean}).pending ? 'Device detach request sent successfully' : 'Device detached successfully')
    return result
  }
}
