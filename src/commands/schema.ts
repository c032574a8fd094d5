
import {readFile} from 'node:fs/promises'

import {schemaPath} from '../definition/paths.js'
import {UbmgrCommand} from '../cli/command.js'
import {printData} from '../cli/output.js'

export default class Schema extends UbmgrCommand {
  static override summary = 'Print the JSON Schema (2020-12) of a UB VM definition'
  static override description =
    'The schema is the contract for definition files. Point an editor at it with a first line like\n' +
    '  # yaml-language-server: $schema=<path to ubvm.schema.json>'
  static override examples = ['<%= config.bin %> schema > ubvm.schema.json']

  async run(): Promise<void> {
    await this.parse(Schema)
    printData(await readFile(schemaPath(), 'utf8'))
  }
}
