// `ubmgr edit`: the persistent definition through the user's editor and back, as virsh edit does with XML. The
// editor variable is split on whitespace into an argument array (never a shell string); the edited file is
// validated with FILE:LINE:COL problems like any definition, and kept when it does not validate.
import {execa} from 'execa'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Backend} from '../backends/types.js'
import {loadDefinitionOrXml} from '../backends/define-input.js'
import {definitionToYaml} from '../definition/to-yaml.js'
import {UbmgrError} from '../ground/errors.js'

export function editorCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const words = (env.VISUAL || env.EDITOR || 'vi').trim().split(/\s+/).filter(Boolean)
  return words.length > 0 ? words : ['vi']
}

export async function editDefinition(backend: Backend, name: string, reading: (file: string) => void): Promise<{changed: boolean}> {
  const before = definitionToYaml(await backend.definition(name), `ubmgr edit ${name}: saved when the editor exits; delete everything to cancel`)
  const dir = await mkdtemp(join(tmpdir(), 'ubmgr-edit-'))
  const file = join(dir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.yaml`)
  let keep = false
  try {
    await writeFile(file, before, {mode: 0o600})
    const [program, ...rest] = editorCommand()
    const run = await execa(program, [...rest, file], {stdio: 'inherit', reject: false})
    if (run.failed) throw new UbmgrError(`error: the editor (${program}) ${run.exitCode === undefined ? `could not run: ${run.code ?? run.shortMessage}` : `exited with status ${run.exitCode}`}; nothing changed`)
    const after = await readFile(file, 'utf8')
    if (after === before || after.trim() === '') return {changed: false}
    reading(file)
    const {target} = await backend.targetChoice()
    let definition
    try {
      ;({definition} = await loadDefinitionOrXml(file, target))
    } catch (error) {
      keep = true
      if (error instanceof UbmgrError) throw new UbmgrError([...error.lines, `error: nothing changed; your edit is kept in ${file}`], 1, error.details)
      throw error
    }
    if (definition.name !== name) {
      keep = true
      throw new UbmgrError([`error: edit cannot rename '${name}' to '${definition.name}' (define the new name instead)`, `error: nothing changed; your edit is kept in ${file}`])
    }
    const result = await backend.define(definition, {dryRun: false, source: file})
    return {changed: result.outcome !== 'unchanged'}
  } finally {
    if (!keep) await rm(dir, {recursive: true, force: true})
  }
}
