// define's input: a definition file, or domain XML of any target (imported first). Either way it is
// validated before any backend sees it.
import {readFile} from 'node:fs/promises'

import {loadAndValidate} from '../definition/validate.js'
import type {UbVmDefinition} from '../definition/types.js'
import {UbmgrError} from '../ground/errors.js'
import {importXmlFile} from '../xml/import-file.js'

export async function loadDefinitionOrXml(file: string): Promise<UbVmDefinition> {
  let head: string
  try {
    head = (await readFile(file, 'utf8')).slice(0, 4096).trimStart()
  } catch {
    throw new UbmgrError(`error: Failed to open file '${file}': No such file or directory`)
  }
  if (head.startsWith('<')) return (await importXmlFile(file)).definition
  return (await loadAndValidate(file)).definition
}
