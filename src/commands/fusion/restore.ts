import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../../cli/command.js'
import {connectFlag} from '../../cli/flags.js'
import {simBackend} from './status.js'

export default class FusionRestore extends UbmgrCommand {
  static override summary = 'Bring a fusion member’s link back on a running domain'
  static override description =
    'What happens next is the device’s failback policy: immediate moves its share of virtqueues back now; manual ' +
    'keeps it as a standby until you restore with --failback; after N s moves traffic back on the first fusion ' +
    'command N seconds later.'
  static override examples = ['<%= config.bin %> fusion restore db-primary-02 ssd-ctrl-a', '<%= config.bin %> fusion restore db-primary-02 ssd-ctrl-a --failback']
  static override args = {
    name: Args.string({description: 'running domain on the embedded backend', required: true}),
    member: Args.string({description: 'member: card name, host GUID or index', required: true}),
  }
  static override flags = {
    connect: connectFlag,
    device: Flags.string({summary: 'fusion device (default: the one with that member)'}),
    failback: Flags.boolean({summary: 'move traffic back now, whatever the failback policy (an operator’s failback)'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(FusionRestore)
    const backend = await simBackend(flags.connect, 'fusion restore')
    const r = await backend.fusionMember(args.name, args.member, {fail: false, failback: flags.failback}, flags.device)
    this.say(`${r.device}: ${r.message}`)
    return r
  }
}
