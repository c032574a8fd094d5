// Import from a file or stdin, then check the result like any definition: import never yields a
// definition that `render` would refuse.
import {inputName, readInput} from '../ground/input.js'
import {UbmgrError} from '../ground/errors.js'
import {formatProblem, isError} from '../ground/problem.js'
import {importDomainXml, type ImportResult} from './import.js'
import {MAX_XML_BYTES} from './parse.js'
import {validateDefinition} from './validate.js'

export async function importXmlFile(file: string): Promise<ImportResult> {
  return importXmlBytes(await readInput(file, {maxBytes: MAX_XML_BYTES, what: 'domain XML'}), inputName(file))
}

/** Import XML already read (e.g. by define, which sniffs the input first). */
export async function importXmlBytes(bytes: Buffer, name: string): Promise<ImportResult> {
  const result = importDomainXml(decode(bytes, name), name)
  const all = await validateDefinition(result.definition, {file: name, locate: () => ({line: 0, col: 0})})
  const problems = all.filter(isError)
  if (problems.length > 0)
    throw new UbmgrError(problems.map((p) => `${formatProblem(p)} (in the imported definition)`), 1, {problems})
  // Warnings of the imported definition (e.g. the user guide's limits) are the caller's to print.
  return {...result, warnings: [...result.warnings, ...all.map((p) => `${p.pointer}: ${p.message} (in the imported definition)`)]}
}

function decode(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes).replace(/^\uFEFF/, '')
  } catch {
    throw new UbmgrError(`${file}: not valid UTF-8 text, expected XML`)
  }
}
