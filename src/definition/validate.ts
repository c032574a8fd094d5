// Validation = the JSON Schema contract (precompiled at build time) + the real stack's rules, every
// problem at once, each with a file position.
import type {ErrorObject} from 'ajv'
import {createRequire} from 'node:module'

import {UbmgrError} from '../ground/errors.js'
import {formatProblem, isError, type Problem} from '../ground/problem.js'
import {loadDocumentBytes, loadDocumentFile, type LoadedDocument, type Position} from './load.js'
import {normalize, type UbVm} from './normalize.js'
import {basicRules} from './rules/basics.js'
import {busRules} from './rules/bus.js'
import {eidRules} from './rules/eids.js'
import {fusionRules} from './rules/fusion.js'
import {guidRules} from './rules/guids.js'
import type {RuleProblem} from './rules/problem.js'
import {portRules} from './rules/ports.js'
import {targetRules} from './rules/targets.js'
import {ubmemVmmuRules} from './rules/ubmem-vmmu.js'
import {userGuideRules} from './rules/user-guide.js'
import {schemaProblems} from './schema-errors.js'
import type {Target} from './targets.js'
import type {UbVmDefinition} from './types.js'

type Validator = ((data: unknown) => boolean) & {errors?: ErrorObject[] | null}
let validator: Validator | undefined

/** The ajv standalone validator written by scripts/build.mjs (../generated, from src/ or dist/). */
function schemaValidator(): Validator {
  validator ??= createRequire(import.meta.url)('../generated/validate-ubvm.cjs') as Validator
  return validator
}

const RULES = [basicRules, guidRules, eidRules, portRules, busRules, ubmemVmmuRules, fusionRules, userGuideRules]

export interface Source {
  file: string
  locate?: (pointer: string, opts?: {key?: boolean}) => Position
}

export interface ValidateOptions {
  /** Add this render target's own limits (rules/targets.ts) to the common rules. */
  target?: Target
}

/**
 * All problems of a definition object, errors and warnings; positions come from `source.locate` when
 * there is a source text. The definition is valid when none of them is an error.
 */
export function validateData(data: unknown, source: Source = {file: '<definition>'}, opts: ValidateOptions = {}): Problem[] {
  const validate = schemaValidator()
  const found: RuleProblem[] = validate(data) ? [] : schemaProblems(validate.errors ?? [])
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    // A value the schema already rejected gets one line, not a second one from a rule.
    const rejected = new Set(found.map((p) => p.pointer))
    const rules = [...RULES, ...(opts.target ? [(d: Record<string, unknown>) => targetRules(d, opts.target!)] : [])]
    for (const rule of rules) for (const p of rule(data as Record<string, unknown>)) if (!rejected.has(p.pointer)) found.push(p)
  }
  const problems = found.map((p): Problem => {
    const at = source.locate?.(p.pointer, {key: p.key}) ?? {line: 1, col: 1}
    return {file: source.file, line: at.line, col: at.col, pointer: p.pointer, message: p.message, hint: p.hint, rule: p.rule, severity: p.severity ?? 'error'}
  })
  return problems.sort((a, b) => a.line - b.line || a.col - b.col || a.pointer.localeCompare(b.pointer))
}

export interface ValidatedDefinition {
  file: string
  definition: UbVmDefinition
  vm: UbVm
  /** Problems of severity warning: the definition is accepted, the caller prints them. */
  warnings: Problem[]
}

/**
 * Problems of a file; unreadable or unparsable files give one problem, never an exception. The
 * definition is returned when no problem is an error.
 */
export async function validateFile(file: string, opts: ValidateOptions = {}): Promise<{problems: Problem[]; definition?: UbVmDefinition}> {
  let doc: LoadedDocument
  try {
    doc = file === '-' ? loadDocumentBytes(await readStdin(), '<stdin>') : await loadDocumentFile(file)
  } catch (error) {
    if (!(error instanceof UbmgrError)) throw error
    return {problems: [fileProblem(file, error.message)]}
  }
  const problems = validateData(doc.data, doc, opts)
  return problems.some(isError) ? {problems} : {problems, definition: doc.data as UbVmDefinition}
}

/** Load, validate and normalize; throws UbmgrError with one line per problem (warnings included). */
export async function loadAndValidate(file: string, opts: ValidateOptions = {}): Promise<ValidatedDefinition> {
  const {problems, definition} = await validateFile(file, opts)
  if (!definition) throw new UbmgrError(problems.map(formatProblem), 1, {problems})
  return {file, definition, vm: normalize(definition), warnings: problems}
}

/** A load error ("FILE:L:C: message" or "FILE: message") as a Problem record. */
function fileProblem(file: string, message: string): Problem {
  const m = /^(.*?):(\d+):(\d+): (.*)$/s.exec(message)
  if (m) return {file: m[1], line: Number(m[2]), col: Number(m[3]), pointer: '', message: m[4], rule: 'load', severity: 'error'}
  const rest = message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message
  return {file, line: 0, col: 0, pointer: '', message: rest, rule: 'load', severity: 'error'}
}

export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
