import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../../cli/command.js'
import {connectFlag} from '../../cli/flags.js'
import {simBackend} from './status.js'

export default class FusionFail extends UbmgrCommand {
  static override summary = 'Take a fusion member’s link down on a running domain'
  static override description =
    'FusionD marks the member down and moves its virtqueues to the other members (active-active: to the least ' +
    'loaded; active-passive: all to the next member by priority). The guest keeps its one device. With no member ' +
    'left, requests would wait up to 5 s and then fail (see sim io --faults all-down).'
  static override examples = ['<%= config.bin %> fusion fail db-primary-02 ssd-ctrl-a']
  static override args = {
    name: Args.string({description: 'running domain on the embedded backend', required: true}),
    member: Args.string({description: 'member: card name, host GUID or index', required: true}),
  }
  static override flags = {connect: connectFlag, device: Flags.string({summary: 'fusion device (default: the one with that member)'})}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(FusionFail)
    const r = await (await simBackend(flags.connect, 'fusion fail')).fusionMember(args.name, args.member, {fail: true}, flags.device)
    this.say(`${r.device}: ${r.message}`)
    return r
  }
}
