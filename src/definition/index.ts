// Public entry points of the definition layer.
export type {UbVmDefinition} from './types.js'
export {normalize, type UbVm} from './normalize.js'

export type {Problem} from '../ground/problem.js'
export {isError} from '../ground/problem.js'
export {TARGETS, type Target} from './targets.js'
export {loadAndValidate, validateData, validateFile, type ValidatedDefinition, type ValidateOptions} from './validate.js'
export {formatProblem} from '../ground/problem.js'
