import {UbmgrCommand} from '../output/command.js'
import {connectFlag, domainNames, nameArg} from '../output/lifecycle.js'

export default class Start extends UbmgrCommand {
  static override summary = 'Start a defined domain'
  static override description = "On sim:// the simulator takes the VM (bus-instance lock, host devices); on libvirt, virsh start. A UB domain on stock QEMU fails with QEMU's message and what is missing."
  static override examples = ['<%= config.bin %> start vm1', 'ubmgr list --all --name | <%= config.bin %> start -']
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Start)
    const [{openBackend}, {forEachDomain}] = await Promise.all([import('../backends/index.js'), import('../output/each-domain.js')])
    const backend = await openBackend(flags.connect)
    const {results} = await forEachDomain(await domainNames(args.name), async (name) => {
      const result = await backend.start(name)
      this.say(`Domain '${name}' started`)
      return result
    })
    return results.length === 1 ? results[0] : results
  }
}
