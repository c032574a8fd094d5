// define's input: a definition file, or domain XML of any target (imported first). Either way it is
// validated before any backend sees it, with the limits of the XML form the backend will send.
import {readFile} from 'node:fs/promises'

import type {Target} from '../definition/targets.js'
import type {UbVmDefinition} from '../definition/types.js'
import {loadAndValidate} from '../definition/validate.js'
import {UbmgrError} from '../ground/errors.js'
import {formatProblem} from '../ground/problem.js'
import {importXmlFile} from '../xml/import-file.js'

/** The definition and the warnings to print (user guide limits, import notes). */
export async function loadDefinitionOrXml(file: string, target?: Target): Promise<{definition: UbVmDefinition; warnings: string[]}> {
  let head: string
  try {
    head = (await readFile(file, 'utf8')).slice(0, 4096).trimStart()
  } catch {
    throw new UbmgrError(`error: Failed to open file '${file}': No such file or directory`)
  }
  if (head.startsWith('<')) {
    const r = await importXmlFile(file)
    return {definition: r.definition, warnings: r.warnings.map((w) => `warning: ${w}`)}
  }
  const r = await loadAndValidate(file, {target})
  return {definition: r.definition, warnings: r.warnings.map(formatProblem)}
}
