// define's input: a definition file, or domain XML of any target (imported first), read once and bounded.
// Either way it is validated before any backend sees it, with the limits of the XML form the backend
// will send.
import {loadDocumentBytes} from '../definition/load.js'
import type {Target} from '../definition/targets.js'
import type {UbVmDefinition} from '../definition/types.js'
import {UbmgrError} from '../ground/errors.js'
import {inputName, readInput} from '../ground/input.js'
import {formatProblem, isError} from '../ground/problem.js'
import {importXmlBytes} from '../xml/import-file.js'
import {MAX_XML_BYTES} from '../xml/parse.js'
import {validateDefinition} from '../xml/validate.js'

/** The definition and the warnings to print (user guide limits, import notes). */
export async function loadDefinitionOrXml(file: string, target?: Target): Promise<{definition: UbVmDefinition; warnings: string[]}> {
  const name = inputName(file)
  const bytes = await readInput(file, {maxBytes: MAX_XML_BYTES, what: 'a definition or domain XML'})
  if (looksLikeXml(bytes)) {
    const r = await importXmlBytes(bytes, name)
    return {definition: r.definition, warnings: r.warnings.map((w) => `warning: ${w}`)}
  }
  const doc = loadDocumentBytes(bytes, name)
  const problems = await validateDefinition(doc.data, doc, {target})
  if (problems.some(isError)) throw new UbmgrError(problems.map(formatProblem), 1, {problems})
  return {definition: doc.data as UbVmDefinition, warnings: problems.map(formatProblem)}
}

/** XML starts with "<" after an optional byte-order mark and white space; YAML and JSON never do. */
export const looksLikeXml = (bytes: Buffer): boolean => /^(\uFEFF)?\s*</.test(bytes.subarray(0, 4096).toString('utf8'))
