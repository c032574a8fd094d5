// attach-device and detach-device: the same flags and flow, one verb apart.
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from './command.js'
import {connectFlag, targetFlag} from './flags.js'

export abstract class DeviceCommand extends UbmgrCommand {
  static override description =
    'FILE is one device in YAML/JSON (a UB device, fusion device, disk or interface, bare or under one key ' +
    'ubDevice:/fusion:/disk:/interface:) or an XML fragment of any target. Flags as virsh: no flag = --live; ' +
    '--live and --config may be combined; --persistent = --config when stopped, --live --config when running; ' +
    '--current = --live when running, --config when stopped, and excludes the others.'
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

  protected abstract readonly verb: 'attach' | 'detach'

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(this.constructor as typeof DeviceCommand)
    this.inputFile = args.file
    const [{openBackend}, {loadDeviceFile}, {checkAttachFlags}] = await Promise.all([
      import('../backends/index.js'),
      import('../backends/devices.js'),
      import('../backends/attach-flags.js'),
    ])
    checkAttachFlags(flags)
    const device = await loadDeviceFile(args.file)
    const backend = await openBackend(flags.connect, flags.target as 'openeuler' | 'upstream' | undefined)
    const result = await backend[this.verb](args.name, device, flags)
    this.say(this.verb === 'attach' ? 'Device attached successfully' : 'pending' in result && result.pending ? 'Device detach request sent successfully' : 'Device detached successfully')
    return result
  }
}
