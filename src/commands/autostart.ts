import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../cli/command.js'
import {connectFlag, nameArg} from '../cli/flags.js'

export default class Autostart extends UbmgrCommand {
  static override summary = 'Mark a domain to start when its host starts, or unmark it'
  static override description =
    "virsh autostart [--disable]. On libvirt, libvirtd starts marked domains at boot; on sim:// the mark is kept and shown by dominfo (there is no host boot to act on it). A transient domain cannot be marked."
  static override examples = ['<%= config.bin %> autostart vm1', '<%= config.bin %> autostart vm1 --disable']
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag, disable: Flags.boolean({summary: 'unmark the domain'})}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Autostart)
    const {forEachDomain} = await import('../cli/each-domain.js')
    return forEachDomain(args.name, flags.connect, async (backend, name) => {
      const r = await backend.autostart(name, !flags.disable)
      this.say(`Domain '${name}' ${flags.disable ? 'unmarked' : 'marked'} as autostarted`)
      return r
    }, {json: this.jsonEnabled()})
  }
}
