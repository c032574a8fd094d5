import {UbmgrCommand} from '../cli/command.js'
import {connectFlag, nameArg} from '../cli/flags.js'

export default class Dominfo extends UbmgrCommand {
  static override summary = 'Show a domain’s basic information'
  static override description =
    'virsh’s dominfo keys (Id, Name, UUID, OS Type, State, CPU(s), Max memory, Persistent, Autostart) and ubmgr’s UB device and fusion device counts. NAME - reads names from stdin, one per line. --json prints the record ({name, uuid, state, …}); -q prints the keys too (they are the data).'
  static override examples = ['<%= config.bin %> dominfo vm1', '<%= config.bin %> dominfo vm1 --json']
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Dominfo)
    const {forEachDomain} = await import('../cli/each-domain.js')
    return forEachDomain(args.name, flags.connect, async (backend, name) => {
      const i = await backend.dominfo(name)
      const rows: Array<[string, string | number]> = [
        ['Id', i.id ?? '-'],
        ['Name', i.name],
        ['UUID', i.uuid],
        ['OS Type', i.osType],
        ['State', i.state],
        ['CPU(s)', i.vcpus],
        ['Max memory', `${i.maxMemoryKiB} KiB`],
        ['Used memory', `${i.usedMemoryKiB} KiB`],
        ['Persistent', i.persistent ? 'yes' : 'no'],
        ['Autostart', i.autostart ? 'enable' : 'disable'],
        ['Managed save', i.managedSave ? 'yes' : 'no'],
        ['UB devices', i.ubDevices],
        ['Fusion devices', i.fusionDevices],
      ]
      this.data(rows.map(([k, v]) => `${(k + ':').padEnd(16)}${v}`).join('\n'))
      return i
    }, {json: this.jsonEnabled()})
  }
}
