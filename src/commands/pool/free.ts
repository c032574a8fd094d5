import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolFree extends PoolCommand {
  static override summary = 'Give pooled devices back (UBSE free_devices): ENTITY_RLS, and the bus instance destroyed when the pool made it and it is empty'
  static override description = 'Slices a VM holds are refused: detach-device or destroy frees them. --json: {busInstanceGuid, freed, destroyedBusInstance, dryRun}.'
  static override examples = ['<%= config.bin %> pool free cc08-b000-0-0-000000-0000000000000001', '<%= config.bin %> pool free BI pool-dpu-1/vfe0']
  static override strict = false
  static override args = {
    busInstance: Args.string({description: 'bus instance GUID', required: true}),
    device: Args.string({description: 'slice id or GUID to free (default: all the bus instance holds)'}),
  }
  static override flags = {...PoolCommand.flags, 'dry-run': Flags.boolean({summary: 'show what would be freed, change nothing'})}

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(PoolFree)
    const [bi, ...devices] = argv as string[]
    const r = await (await this.openPool(flags)).free(bi, devices, flags['dry-run'])
    this.say(
      [...r.freed.map((f) => `${r.dryRun ? 'would free' : 'freed'} ${f.slice} (${f.guid}) held by ${f.owner}`), r.destroyedBusInstance ? `bus instance ${r.busInstanceGuid} destroyed` : ''].filter(Boolean).join('\n'),
    )
    return r
  }
}
