import {UbmgrCommand} from '../cli/command.js'
import {connectFlag, nameArg} from '../cli/flags.js'

export default class Domid extends UbmgrCommand {
  static override summary = 'Print a domain’s id ("-" when it is not running)'
  static override description = 'virsh domid. --json: {name, id} with id null when the domain is not running.'
  static override examples = ['<%= config.bin %> domid vm1']
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Domid)
    const {forEachDomain} = await import('../cli/each-domain.js')
    return forEachDomain(args.name, flags.connect, async (backend, name) => {
      const {id} = await backend.dominfo(name)
      this.data(id === null ? '-' : String(id))
      return {name, id}
    }, {json: this.jsonEnabled()})
  }
}
