// Build: compile TypeScript, precompile the JSON Schema validator (ajv standalone, CJS because ajv's
// standalone ESM output still calls require for runtime helpers), write the oclif manifest so that
// startup does not import every command module, and bundle the fast path into one CJS file (esbuild).
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

// The fast path (src/entry/fast-path.ts) as one CJS file, loaded by bin/run.js with a V8 code cache
// (src/entry/code-cache.ts). It sits two levels below the root, as dist/*/*.js do, because the two modules
// that find files from import.meta.url (definition/paths.ts, definition/validate.ts) get the bundle's own
// URL: their relative paths then still reach the package root and dist/generated/. Packages that only
// lazily loaded commands use stay outside (typescript is oclif's optional ts-node support).
const {build} = await import('esbuild')
// oclif's Command requires its Config module only for the static Command.run(), which loads a Config; the
// fast path constructs commands itself and never calls it. Without this, the bundle would carry and run
// the plugin loader (globbing, tsconfig reading, templates) for nothing.
const withoutOclifConfig = {
  name: 'without-oclif-config',
  setup(b) {
    b.onResolve({filter: /^\.\/config$/}, (args) =>
      /@oclif[\\/]core[\\/]lib[\\/]command\.js$/.test(args.importer) ? {path: 'oclif-config', namespace: 'fast-path'} : undefined,
    )
    b.onLoad({filter: /.*/, namespace: 'fast-path'}, () => ({
      contents: "exports.Config = {load() { throw new Error('the fast path does not load an oclif Config') }}",
      loader: 'js',
    }))
  },
}
await build({
  entryPoints: [join(root, 'src/entry/fast-path.ts')],
  outfile: join(root, 'dist/bundle/ubmgr.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  minify: true,
  // error names in --debug traces and oclif's id fallback (constructor.name) stay as written
  keepNames: true,
  charset: 'ascii',
  define: {'import.meta.url': '__bundleUrl'},
  // import() of a package left outside becomes require(): node 20 loses a vm.Script's dynamic-import callback
  // when the script comes from a code cache (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), and its main-context
  // loader prints an ExperimentalWarning. etcd3, the one such package the hot commands reach, is CJS.
  supported: {'dynamic-import': false},
  banner: {js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;'},
  external: ['typescript', 'etcd3', 'vega', 'vega-lite', '@viz-js/viz'],
  // proper-lockfile takes its fs from graceful-fs, whose start-up (cloning and patching fs) cost ~20 ms of a
  // ~60 ms define; a store lock makes a handful of fs calls, where graceful-fs's EMFILE queueing buys nothing.
  // proper-lockfile documents plain fs as an option (its `fs` option); the bundle gives it that.
  alias: {'graceful-fs': 'node:fs'},
  plugins: [withoutOclifConfig],
})
// The bundle is kept pure ASCII: with one raw non-ASCII character V8 makes the whole source a two-byte
// string, which took ~35 ms instead of ~5 to decode here (and the loader reads it as latin1). esbuild's
// charset=ascii escapes strings but leaves a raw character in a regular expression literal (ansis's CSI
// class): \uXXXX means the same there (and in strings and templates; the bundle has no comments left).
const bundlePath = join(root, 'dist/bundle/ubmgr.cjs')
const bundled = readFileSync(bundlePath, 'utf8')
const escape = (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
writeFileSync(bundlePath, bundled.replace(/[^\x00-\x7f]/g, escape))
if (/\bimport\(\s*[^)\s]/.test(bundled)) throw new Error('build: dist/bundle/ubmgr.cjs has a dynamic import(), which fails from a code cache on node 20')
