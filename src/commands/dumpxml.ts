import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../cli/command.js'
import {printData} from '../cli/output.js'
import {escapeForXml} from '../ground/text.js'
import {connectFlag, dumpxmlTargetFlag, nameArg} from '../cli/flags.js'

export default class Dumpxml extends UbmgrCommand {
  static override summary = 'Print a domain’s XML'
  static override description =
    'The running configuration, or with --inactive the persistent one. On sim:// the XML is rendered in --target ' +
    '(default ubmgr); on libvirt it is libvirt’s own XML unless --target asks for one of ubmgr’s forms.'
  static override examples = ['<%= config.bin %> dumpxml vm1', '<%= config.bin %> dumpxml vm1 --inactive --target openeuler']
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag, target: dumpxmlTargetFlag, inactive: Flags.boolean({summary: 'the persistent configuration'})}

  async run(): Promise<{name: string; xml: string}> {
    const {args, flags} = await this.parse(Dumpxml)
    const {openBackend} = await import('../backends/index.js')
    const xml = await (await openBackend(flags.connect)).dumpxml(args.name, {inactive: flags.inactive, target: flags.target as 'ubmgr' | undefined})
    // libvirt's XML may carry C1 controls or bidi marks raw: as character references they mean the same.
    if (!this.jsonEnabled()) printData(escapeForXml(xml))
    return {name: args.name, xml}
  }
}
