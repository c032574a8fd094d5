import {UbmgrCommand} from '../cli/command.js'
import {connectFlag, domainNames, nameArg} from '../cli/flags.js'

export default class Domstate extends UbmgrCommand {
  static override summary = 'Print a domain’s state: running, shut off or paused'
  static override description =
    'One word per domain, as virsh domstate prints it. NAME - reads names from stdin, one per line. --json prints {name, state}; -q still prints the state (it is the data).'
  static override examples = ['<%= config.bin %> domstate vm1']
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Domstate)
    const [{openBackend}, {forEachDomain}] = await Promise.all([import('../backends/index.js'), import('../cli/each-domain.js')])
    const backend = await openBackend(flags.connect)
    const {results} = await forEachDomain(await domainNames(args.name), async (name) => {
      const {state} = await backend.dominfo(name)
      this.data(state)
      return {name, state}
    })
    return results.length === 1 ? results[0] : results
  }
}
