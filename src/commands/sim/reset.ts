import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {UbmgrError} from '../../ground/errors.js'
import {UbmgrCommand} from '../../cli/command.js'
import {printData} from '../../cli/output.js'
import {connectFlag} from '../../cli/flags.js'

export default class SimReset extends UbmgrCommand {
  static override summary = 'Entity Level Reset of a UB device in a running simulated domain'
  static override description =
    'What QEMU does on a guest-requested reset: VFIO_DEVICE_RESET (ELR), then dev_token_id, dev_rs_access_en and ' +
    'bus_access_en cleared; the guest driver must set them again. The new state is kept (see sim inspect).'
  static override examples = ['<%= config.bin %> sim reset dpu-vm-01 --device dpu0']
  static override args = {name: Args.string({description: 'running domain on the embedded backend', required: true})}
  static override flags = {connect: connectFlag, device: Flags.string({summary: 'UB device name', required: true})}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(SimReset)
    const [{resolveUri, simStoreName, backendKind}, {SimBackend}, {EmbeddedStore}, {renderTrace}] = await Promise.all([
      import('../../backends/uri.js'),
      import('../../backends/sim/backend.js'),
      import('../../backends/sim/store.js'),
      import('../../cli/trace.js'),
    ])
    const uri = resolveUri(flags.connect)
    if (backendKind(uri) !== 'sim') throw new UbmgrError(`error: sim reset needs the embedded backend; ${uri} is libvirt`, 2)
    const result = await new SimBackend(uri, new EmbeddedStore(simStoreName(uri))).resetDevice(args.name, flags.device)
    if (!this.jsonEnabled() && !this.quiet) printData(renderTrace(result.events as never))
    return result
  }
}
