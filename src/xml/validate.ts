// Validation as every command needs it: the definition layer's schema and stack rules, plus this layer's
// check of the `libvirt:` escape hatch. The XML parser is loaded only for definitions that use the hatch.
import type {Problem} from '../ground/problem.js'
import {obj} from '../definition/rules/problem.js'
import {
  loadAndValidate as loadAndValidateWith,
  validateData,
  validateFile as validateFileWith,
  type ExtraCheck,
  type Source,
  type ValidateOptions,
} from '../definition/validate.js'

const escapeHatch: ExtraCheck = async (data) => {
  if (!obj(data.libvirt)) return []
  const {checkEscapeHatch} = await import('./escape-hatch.js')
  return checkEscapeHatch(data)
}

/** Problems (errors and warnings) of a definition object. */
export async function validateDefinition(data: unknown, source?: Source, opts: ValidateOptions = {}): Promise<Problem[]> {
  const found = typeof data === 'object' && data !== null && !Array.isArray(data) ? await escapeHatch(data as Record<string, unknown>) : undefined
  return validateData(data, source, {...opts, found})
}

export const validateFile = (file: string, opts: ValidateOptions = {}) => validateFileWith(file, {...opts, extra: escapeHatch})
export const loadAndValidate = (file: string, opts: ValidateOptions = {}) => loadAndValidateWith(file, {...opts, extra: escapeHatch})
