import * as Args from '@oclif/core/args'

import {UbmgrCommand} from '../../cli/command.js'
import {connectFlag} from '../../cli/flags.js'
import {UsageError} from '../../ground/errors.js'

export default class FusionStatus extends UbmgrCommand {
  static override summary = 'Show a running domain’s fusion devices: members, health, queue map, load'
  static override description =
    'For each fusion device of a running domain on the embedded backend: its members (card, state up/down/standby, ' +
    'virtqueues, share of the load), the virtqueue → member:queue map, and recent fail/restore/failback events. ' +
    'The load is sampled by simulating the device’s default workload on the map as it is. A failback that is due ' +
    '(failback after N s) is applied first.'
  static override examples = ['<%= config.bin %> fusion status db-primary-02', '<%= config.bin %> fusion status gateway-aa-01 --json']
  static override args = {name: Args.string({description: 'running domain on the embedded backend', required: true})}
  static override flags = {connect: connectFlag}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(FusionStatus)
    const backend = await simBackend(flags.connect, 'fusion status')
    const status = await backend.fusionStatus(args.name)
    if (!this.jsonEnabled()) {
      const {statusText} = await import('../../cli/fusion-report.js')
      this.data(status.map(statusText).join('\n\n'))
    }
    return status
  }
}

/** The embedded backend for a fusion verb (FusionD's state lives with the simulated domain). */
export async function simBackend(connect: string | undefined, verb: string) {
  const [{resolveUri, simStoreName, backendKind}, {SimBackend}, {EmbeddedStore}] = await Promise.all([
    import('../../backends/uri.js'),
    import('../../backends/sim/backend.js'),
    import('../../backends/sim/store.js'),
  ])
  const uri = resolveUri(connect)
  if (backendKind(uri) !== 'sim') throw new UsageError(`error: ${verb} needs the embedded backend (FusionD is simulated); ${uri} is libvirt`)
  return new SimBackend(uri, new EmbeddedStore(simStoreName(uri)))
}
