import * as Flags from '@oclif/core/flags'

import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolExport extends PoolCommand {
  static override summary = 'Write the ledger as JSON (from the embedded store, or from etcd with --pool), to move it with pool import'
  static override description = 'The document is the ledger itself, exactly as the embedded store keeps it: export → import → export is byte-identical.'
  static override examples = ['<%= config.bin %> pool export -o ledger.json', '<%= config.bin %> pool export --pool etcd://10.0.0.1:2379 > ledger.json']
  static override enableJsonFlag = false
  static override flags = {...PoolCommand.flags, output: Flags.string({char: 'o', summary: 'write to this file (atomically) instead of stdout'})}

  async run(): Promise<unknown> {
    const {flags} = await this.parse(PoolExport)
    const [{printData}, {writeOutputFile}, {escapeForJson}] = await Promise.all([import('../../cli/output.js'), import('../../cli/output-file.js'), import('../../ground/text.js')])
    const {ledger} = await (await this.openPool(flags)).ledger()
    const text = escapeForJson(JSON.stringify(ledger, null, 2)) + '\n'
    if (flags.output) await writeOutputFile(flags.output, text)
    else printData(text)
    return undefined
  }
}
