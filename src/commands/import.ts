import * as Args from '@oclif/core/args'

import type {UbVmDefinition} from '../definition/types.js'
import {UbmgrCommand} from '../cli/command.js'
import {printData} from '../cli/output.js'

export default class Import extends UbmgrCommand {
  static override summary = 'Read libvirt domain XML back into a UB VM definition'
  static override description =
    'Accepts XML of any render target (ubmgr, openeuler, upstream) or plain libvirt domain XML. Prints YAML; ' +
    'with --json prints the definition object itself, so `ubmgr import x.xml --json > vm.json && ubmgr render vm.json` ' +
    'reproduces x.xml. libvirt elements ubmgr does not model are kept verbatim under `libvirt:` and written back.'
  static override examples = ['<%= config.bin %> import dumped.xml > vm.yaml', 'virsh dumpxml vm1 | <%= config.bin %> import - --json']
  static override args = {file: Args.string({description: 'domain XML file, or - for stdin', required: true})}

  async run(): Promise<UbVmDefinition> {
    const {args} = await this.parse(Import)
    this.inputFile = args.file
    const {importXmlFile} = await import('../xml/import-file.js')
    const {definition, target, warnings} = await importXmlFile(args.file)
    for (const w of warnings) this.note(`warning: ${w}`)
    if (!this.jsonEnabled()) {
      const {definitionToYaml} = await import('../definition/to-yaml.js')
      printData(definitionToYaml(definition, `imported from ${args.file} (target ${target})`))
    }
    return definition
  }
}
