// Public entry points of the definition layer.
export type {UbVmDefinition} from './types.js'
export {normalize, type UbVm} from './normalize.js'

/** One problem in a definition file, as `FILE:LINE:COL: /pointer: message` (hint on its own field). */
export interface Problem {
  file: string
  line: number
  col: number
  pointer: string
  message: string
  hint?: string
  /** Which check found it: a JSON Schema keyword, or the stack rule's id (e.g. "eid-unique"). */
  rule: string
}

export {loadAndValidate, validateData, validateFile, type ValidatedDefinition} from './validate.js'
export {formatProblem} from '../output/problems.js'
