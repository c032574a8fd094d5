import {UbmgrCommand} from '../output/command.js'
import {connectFlag, domainNames, nameArg} from '../output/lifecycle.js'

export default class Shutdown extends UbmgrCommand {
  static override summary = 'Shut a running domain down gracefully'
  static override description = "On sim:// the guest honours the request at once, like libvirt's test driver; on QEMU it needs a cooperating guest."
  static override examples = ['<%= config.bin %> shutdown vm1', 'ubmgr list --all --name | <%= config.bin %> shutdown -']
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Shutdown)
    const [{openBackend}, {forEachDomain}] = await Promise.all([import('../backends/index.js'), import('../output/each-domain.js')])
    const backend = await openBackend(flags.connect)
    const {results} = await forEachDomain(await domainNames(args.name), async (name) => {
      const result = await backend.shutdown(name)
      this.say(`Domain '${name}' is being shutdown`)
      return result
    })
    return results.length === 1 ? results[0] : results
  }
}
