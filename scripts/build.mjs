// Build: compile TypeScript, precompile the JSON Schema validator (ajv standalone, CJS because ajv's
// standalone ESM output still calls require for runtime helpers), and write the oclif manifest so that
// startup does not import every command module.
import {execFileSync} from 'node:child_process'
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

// dist/ is overwritten in place rather than deleted first, so a test already running the CLI keeps working;
// `npm run clean` removes it.
rmSync(join(root, 'oclif.manifest.json'), {force: true})
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {
    stdio: 'inherit',
  })
} catch {
  console.error('build: TypeScript reported errors (output was still emitted)')
  process.exitCode = 1
}

const Ajv2020 = require('ajv/dist/2020').default
const standaloneCode = require('ajv/dist/standalone').default
const schema = JSON.parse(readFileSync(join(root, 'schemas/ubvm.schema.json'), 'utf8'))
const ajv = new Ajv2020({allErrors: true, strict: true, strictRequired: false, verbose: true, code: {source: true, esm: false}})
const validate = ajv.compile(schema)
// Written next to the sources too, so vitest (which runs src/) and dist/ load the same validator.
const code = standaloneCode(ajv, validate)
for (const dir of ['src/generated', 'dist/generated']) {
  mkdirSync(join(root, dir), {recursive: true})
  writeFileSync(join(root, dir, 'validate-ubvm.cjs'), code)
}

const {Plugin} = await import('@oclif/core')
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
const tmp = join(root, `oclif.manifest.json.${process.pid}`)
writeFileSync(tmp, JSON.stringify(plugin.manifest, null, 2))
renameSync(tmp, join(root, 'oclif.manifest.json'))
