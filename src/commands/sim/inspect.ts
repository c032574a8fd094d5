import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {UbmgrError} from '../../ground/errors.js'
import {UbmgrCommand} from '../../cli/command.js'
import {connectFlag} from '../../cli/flags.js'

export default class SimInspect extends UbmgrCommand {
  static override summary = 'Show a simulated guest’s view of its UB devices'
  static override description =
    'For a running domain on sim:// (or, with --file, a definition booted fresh): the guest /sys/bus/ub/devices table, ' +
    'UMMU KV/TECT/TCT tables, USI routes, and with --device one device’s config space with field names.'
  static override examples = ['<%= config.bin %> sim inspect dpu-vm-01', '<%= config.bin %> sim inspect --file examples/multi-device.yaml --device ssd0']
  static override args = {name: Args.string({description: 'running domain on the embedded backend'})}
  static override flags = {
    connect: connectFlag,
    file: Flags.string({summary: 'boot this definition fresh instead of reading a running domain'}),
    device: Flags.string({summary: 'also dump this device’s config space'}),
    host: Flags.string({summary: 'host fabric for --file'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(SimInspect)
    const {inspectText} = await import('../../sim/vm/inspect.js')
    let guest
    if (flags.file && args.name) throw new UbmgrError(`error: give a domain NAME or --file, not both (NAME ${args.name} with --file ${flags.file})`, 2)
    if (flags.file) {
      const [{loadAndValidate}, {loadHost}, {bootVm}] = await Promise.all([import('../../xml/validate.js'), import('../../sim/host/index.js'), import('../../sim/vm/index.js')])
      const r = bootVm((await loadAndValidate(flags.file)).vm, await loadHost(flags.host))
      if (!r.ok) throw new UbmgrError(`error: ${r.error.phase}: ${r.error.component}: ${r.error.message}`)
      guest = r.guest
    } else {
      if (!args.name) throw new UbmgrError('error: give a domain NAME or --file', 2)
      const [{resolveUri, simStoreName, backendKind}, {EmbeddedStore}] = await Promise.all([import('../../backends/uri.js'), import('../../backends/sim/store.js')])
      const uri = resolveUri(flags.connect)
      if (backendKind(uri) !== 'sim') throw new UbmgrError(`error: sim inspect reads the embedded backend; ${uri} is libvirt`, 2)
      const record = await new EmbeddedStore(simStoreName(uri)).readDomain(args.name)
      if (!record) throw new UbmgrError(`error: failed to get domain '${args.name}'`)
      if (record.state !== 'running' || !record.sim) throw new UbmgrError(`error: Requested operation is not valid: domain is not running`)
      guest = record.sim as import('../../sim/vm/index.js').GuestState
    }
    this.data(inspectText(guest, flags.device))
    return guest
  }
}
