import {UbmgrCommand} from '../output/command.js'
import {connectFlag, domainNames, nameArg} from '../output/lifecycle.js'

export default class Undefine extends UbmgrCommand {
  static override summary = 'Remove a domain’s persistent configuration'
  static override description = "A running domain keeps running as a transient domain, as libvirt does; destroy then removes it."
  static override examples = ['<%= config.bin %> undefine vm1', 'ubmgr list --all --name | <%= config.bin %> undefine -']
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Undefine)
    const [{openBackend}, {forEachDomain}] = await Promise.all([import('../backends/index.js'), import('../output/each-domain.js')])
    const backend = await openBackend(flags.connect)
    const {results} = await forEachDomain(await domainNames(args.name), async (name) => {
      const result = await backend.undefine(name)
      this.say(`Domain '${name}' has been undefined`)
      return result
    })
    return results.length === 1 ? results[0] : results
  }
}
