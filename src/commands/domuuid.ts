import {UbmgrCommand} from '../cli/command.js'
import {connectFlag, nameArg} from '../cli/flags.js'

export default class Domuuid extends UbmgrCommand {
  static override summary = 'Print a domain’s UUID'
  static override description = 'virsh domuuid. --json: {name, uuid}.'
  static override examples = ['<%= config.bin %> domuuid vm1']
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Domuuid)
    const {forEachDomain} = await import('../cli/each-domain.js')
    return forEachDomain(args.name, flags.connect, async (backend, name) => {
      const {uuid} = await backend.dominfo(name)
      this.data(uuid)
      return {name, uuid}
    }, {json: this.jsonEnabled()})
  }
}
