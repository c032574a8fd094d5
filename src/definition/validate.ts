// Validation = the JSON Schema contract (precompiled at build time) + the real stack's rules, every
// problem at once, each with a file position.
import type {ErrorObject} from 'ajv'
import {createRequire} from 'node:module'

import {UbmgrError} from '../ground/errors.js'
import {inputName} from '../ground/input.js'
import {formatProblem, isError, type Problem} from '../ground/problem.js'
import {loadDocumentFile, type LoadedDocument, type Position} from './load.js'
import {normalize, type UbVm} from './normalize.js'
import {basicRules} from './rules/basics.js'
import {busRules} from './rules/bus.js'
import {eidRules} from './rules/eids.js'
import {fusionRules} from './rules/fusion.js'
import {guidRules} from './rules/guids.js'
import {limitRules} from './rules/limits.js'
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

/**
 * The ajv standalone validator written by scripts/build.mjs (../generated, from src/ or dist/). In the
 * fast path's CJS bundle `require` exists and esbuild bundles the literal require (so the code cache holds
 * it); as an ES module this file has no `require` and makes one.
 */
function schemaValidator(): Validator {
  validator ??= (typeof require === 'function' ? require('../generated/validate-ubvm.cjs') : createRequire(import.meta.url)('../generated/validate-ubvm.cjs')) as Validator
  return validator
}

const RULES = [basicRules, limitRules, guidRules, eidRules, portRules, busRules, ubmemVmmuRules, fusionRules, userGuideRules]

export interface Source {
  file: string
  locate?: (pointer: string, opts?: {key?: boolean}) => Position
}

/**
 * A check a higher layer adds: the XML layer checks the `libvirt:` escape hatch (src/xml/validate.ts), which
 * this layer cannot parse. It may report warnings (severity 'warning').
 */
export type ExtraCheck = (data: Record<string, unknown>) => Promise<RuleProblem[]>

export interface ValidateOptions {
  /** Add this render target's own limits (rules/targets.ts) to the common rules. */
  target?: Target
  /** Problems a higher layer already found in this data (the XML layer's escape-hatch check). */
  found?: RuleProblem[]
}

/**
 * All problems of a definition object, errors and warnings; positions come from `source.locate` when
 * there is a source text. The definition is valid when none of them is an error.
 */
export function validateData(data: unknown, source: Source = {file: '<definition>'}, opts: ValidateOptions = {}): Problem[] {
  const validate = schemaValidator()
  const found: RuleProblem[] = validate(data) ? [] : schemaProblems(validate.errors ?? [])
  if (isRecord(data)) {
    // A value the schema already rejected gets one line, not a second one from a rule.
    const rejected = new Set(found.map((p) => p.pointer))
    const rules = [...RULES, ...(opts.target ? [(d: Record<string, unknown>) => targetRules(d, opts.target!)] : []), () => opts.found ?? []]
    // One at a time, never spread: a rule may report 100,000 problems.
    for (const rule of rules) for (const p of rule(data)) if (!rejected.has(p.pointer)) found.push(p)
  }
  const problems = found.map((p): Problem => {
    const at = source.locate?.(p.pointer, {key: p.key}) ?? {line: 1, col: 1}
    return {file: source.file, line: at.line, col: at.col, pointer: p.pointer, message: p.message, hint: p.hint, rule: p.rule, severity: p.severity ?? 'error'}
  })
  return problems.sort((a, b) => a.line - b.line || a.col - b.col || (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0))
}

const isRecord = (data: unknown): data is Record<string, unknown> => typeof data === 'object' && data !== null && !Array.isArray(data)

export interface ValidatedDefinition {
  file: string
  definition: UbVmDefinition
  vm: UbVm
  /** Problems of severity warning: the definition is accepted, the caller prints them. */
  warnings: Problem[]
}

/**
 * Problems of a file ("-" = stdin); unreadable or unparsable files give one problem, never an exception.
 * The definition is returned when no problem is an error.
 */
export async function validateFile(file: string, opts: ValidateOptions & {extra?: ExtraCheck} = {}): Promise<{problems: Problem[]; definition?: UbVmDefinition}> {
  let doc: LoadedDocument
  try {
    doc = await loadDocumentFile(file)
  } catch (error) {
    if (!(error instanceof UbmgrError)) throw error
    return {problems: [fileProblem(inputName(file), error.message)]}
  }
  const found = opts.extra && isRecord(doc.data) ? await opts.extra(doc.data) : undefined
  const problems = validateData(doc.data, doc, {target: opts.target, found})
  return problems.some(isError) ? {problems} : {problems, definition: doc.data as UbVmDefinition}
}

/** Load, validate and normalize; throws UbmgrError with one line per problem (warnings included). */
export async function loadAndValidate(file: string, opts: ValidateOptions & {extra?: ExtraCheck} = {}): Promise<ValidatedDefinition> {
  const {problems, definition} = await validateFile(file, opts)
  if (!definition) throw new UbmgrError(problems.map(formatProblem), 1, {problems})
  return {file, definition, vm: normalize(definition), warnings: problems}
}

/** A load error ("FILE:L:C: message" or "FILE: message") as a Problem record. */
function fileProblem(file: string, message: string): Problem {
  const rest = message.startsWith(`${file}:`) ? message.slice(file.length + 1).replace(/^ /, '') : message
  const at = /^(\d+):(\d+): (.*)$/s.exec(rest)
  if (at) return {file, line: Number(at[1]), col: Number(at[2]), pointer: '', message: at[3], rule: 'load', severity: 'error'}
  return {file, line: 0, col: 0, pointer: '', message: rest, rule: 'load', severity: 'error'}
}
