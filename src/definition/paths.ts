// Files shipped with the package (schemas/, examples/), found relative to the installed code.
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** Package root: dist/definition/paths.js → ../.. (src/ in tests resolves the same way). */
export const packageRoot = (): string => join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const schemaPath = (): string => join(packageRoot(), 'schemas', 'ubvm.schema.json')
export const examplesDir = (): string => join(packageRoot(), 'examples')
