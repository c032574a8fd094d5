import {UbmgrCommand} from '../output/command.js'
import {connectFlag, domainNames, nameArg} from '../output/lifecycle.js'

export default class Destroy extends UbmgrCommand {
  static override summary = 'Stop a running domain at once (power off)'
  static override description = "A transient domain (undefined while running) disappears."
  static override examples = ['<%= config.bin %> destroy vm1', 'ubmgr list --all --name | <%= config.bin %> destroy -']
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Destroy)
    const [{openBackend}, {forEachDomain}] = await Promise.all([import('../backends/index.js'), import('../output/each-domain.js')])
    const backend = await openBackend(flags.connect)
    const {results} = await forEachDomain(await domainNames(args.name), async (name) => {
      const result = await backend.destroy(name)
      this.say(`Domain '${name}' destroyed`)
      return result
    })
    return results.length === 1 ? results[0] : results
  }
}
