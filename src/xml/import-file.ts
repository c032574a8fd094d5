// Import from a file or stdin, then check the result like any definition: import never yields a
// definition that `render` would refuse.
import {readFile} from 'node:fs/promises'

import {validateData} from '../definition/validate.js'
import {describeFsError} from '../definition/load.js'
import {UbmgrError} from '../ground/errors.js'
import {formatProblem, isError} from '../ground/problem.js'
import {importDomainXml, type ImportResult} from './import.js'
import {MAX_XML_BYTES} from './parse.js'
import {stat} from 'node:fs/promises'

export async function importXmlFile(file: string): Promise<ImportResult> {
  const text = file === '-' ? await readStdinText() : await readXmlFile(file)
  const result = importDomainXml(text, file === '-' ? '<stdin>' : file)
  const all = validateData(result.definition, {file: file === '-' ? '<stdin>' : file, locate: () => ({line: 0, col: 0})})
  const problems = all.filter(isError)
  if (problems.length > 0)
    throw new UbmgrError(problems.map((p) => `${formatProblem(p)} (in the imported definition)`), 1, {problems})
  // Warnings of the imported definition (e.g. the user guide's limits) are the caller's to print.
  return {...result, warnings: [...result.warnings, ...all.map((p) => `${p.pointer}: ${p.message} (in the imported definition)`)]}
}

async function readXmlFile(file: string): Promise<string> {
  try {
    const info = await stat(file)
    if (info.size > MAX_XML_BYTES) throw new UbmgrError(`${file}: XML is ${info.size} bytes; the limit is ${MAX_XML_BYTES} (16 MiB)`)
    const bytes = await readFile(file)
    return decode(bytes, file)
  } catch (error) {
    if (error instanceof UbmgrError) throw error
    throw new UbmgrError(`${file}: cannot read: ${describeFsError(error)}`)
  }
}

async function readStdinText(): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length
    if (size > MAX_XML_BYTES) throw new UbmgrError(`<stdin>: XML is over the limit of ${MAX_XML_BYTES} bytes (16 MiB)`)
    chunks.push(chunk as Buffer)
  }
  return decode(Buffer.concat(chunks), '<stdin>')
}

function decode(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes).replace(/^\uFEFF/, '')
  } catch {
    throw new UbmgrError(`${file}: not valid UTF-8 text, expected XML`)
  }
}
