import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../cli/command.js'
import {connectFlag, nameArg} from '../cli/flags.js'

export default class Domstate extends UbmgrCommand {
  static override summary = 'Print a domain’s state: running, shut off or paused'
  static override description =
    'One word per domain, as virsh domstate prints it; --reason adds why, as virsh does: running (booted), running (unpaused), paused (user), shut off (destroyed), shut off (shutdown), shut off (unknown) for a domain never started. NAME - reads names from stdin, one per line. --json: {name, state, reason?}; -q still prints the state (it is the data).'
  static override examples = ['<%= config.bin %> domstate vm1', '<%= config.bin %> domstate vm1 --reason']
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag, reason: Flags.boolean({summary: 'also print why the domain is in that state'})}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Domstate)
    const {forEachDomain} = await import('../cli/each-domain.js')
    return forEachDomain(args.name, flags.connect, async (backend, name) => {
      if (flags.reason) {
        const r = await backend.stateReason(name)
        this.data(`${r.state} (${r.reason})`)
        return r
      }
      const {state} = await backend.dominfo(name)
      this.data(state)
      return {name, state}
    }, {json: this.jsonEnabled()})
  }
}
