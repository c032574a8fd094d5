// The fast path (issue 12). A hot command (./hot.ts) whose arguments are plain runs straight from its class,
// without oclif's Config.load (which reads every plugin's manifest) and without @oclif/core's index. Whether
// the arguments are plain is decided by the command's own definitions: the global options as
// ../cli/global-options.ts moves them, then the command's own parse(). Anything else — help, completion,
// --version, every usage error — returns false, and bin/run.js hands argv unchanged to oclif (../cli/main.ts).
// test/fast-path.test.ts runs a corpus through both paths and compares them byte for byte.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Command} from '@oclif/core/command'
import type {Config} from '@oclif/core/config'

import {normalizeArgv} from '../cli/global-options.js'
import {firstHotWord, helpAsked, type HotCommand} from './hot.js'
import {guardStreams} from '../cli/output.js'
import {finishRun, report} from '../cli/report.js'
import type {CommandShape} from '../cli/usage.js'

type CommandClass = (new (argv: string[], config: Config) => Command) & typeof Command

// Static import paths, so that esbuild puts every hot command in the bundle (and loads only the one run).
const LOADERS: Record<HotCommand, () => Promise<{default: unknown}>> = {
  validate: () => import('../commands/validate.js'),
  render: () => import('../commands/render.js'),
  list: () => import('../commands/list.js'),
  domstate: () => import('../commands/domstate.js'),
  dominfo: () => import('../commands/dominfo.js'),
  domid: () => import('../commands/domid.js'),
  domuuid: () => import('../commands/domuuid.js'),
  domname: () => import('../commands/domname.js'),
  dumpxml: () => import('../commands/dumpxml.js'),
  define: () => import('../commands/define.js'),
  undefine: () => import('../commands/undefine.js'),
  start: () => import('../commands/start.js'),
  destroy: () => import('../commands/destroy.js'),
  shutdown: () => import('../commands/shutdown.js'),
  reboot: () => import('../commands/reboot.js'),
  reset: () => import('../commands/reset.js'),
  suspend: () => import('../commands/suspend.js'),
  resume: () => import('../commands/resume.js'),
}

/** Runs argv if it is a hot command with plain arguments (then the process's status is set); else false. */
export async function runFast(argv: string[], root: string): Promise<boolean> {
  const id = firstHotWord(argv)
  if (!id) return false
  const Cmd = (await LOADERS[id]()).default as CommandClass
  // oclif sets a command's id when it loads it from the manifest.
  Cmd.id = id
  const config = commandConfig(root)
  const plain = await plainArgv(argv, id, Cmd, config)
  if (!plain) return false
  guardStreams()
  try {
    if (plain.debug) process.env.UBMGR_DEBUG = '1'
    await (new Cmd(plain.argv, config) as unknown as {_run(): Promise<unknown>})._run()
    await finishRun()
  } catch (error) {
    await report(error, argv, undefined)
  }
  return true
}

/** argv after the command id, when it names `id` and the command's own parser accepts it; else undefined. */
async function plainArgv(argv: string[], id: HotCommand, Cmd: CommandClass, config: Config): Promise<{argv: string[]; debug: boolean} | undefined> {
  let normalized
  try {
    normalized = normalizeArgv(argv, config.bin, (words) => (words[0] === id ? {command: shapeOf(id, Cmd), words: 1} : undefined))
  } catch {
    return undefined
  }
  const [first, ...rest] = normalized.argv
  if (first !== id || helpAsked(rest)) return undefined
  try {
    // The same parse the command runs first; it reads argv and definitions only.
    await (new Cmd(rest, config) as unknown as {parse(): Promise<unknown>}).parse()
  } catch {
    return undefined
  }
  return {argv: rest, debug: normalized.debug}
}

/** The command's flags as oclif merges them (base flags, --json where enabled, its own). */
const shapeOf = (id: string, Cmd: CommandClass): CommandShape => ({
  id,
  flags: {...(Cmd.enableJsonFlag ? {json: {name: 'json'}} : {}), ...Cmd.baseFlags, ...Cmd.flags},
  args: Cmd.args,
  strict: Cmd.strict,
})

/**
 * What a ubmgr command reads of oclif's Config while it runs: the bin name, the preparse hook (ubmgr has
 * none) and scoped environment variables (UBMGR_CONTENT_TYPE=json, as oclif names them).
 */
function commandConfig(root: string): Config {
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {oclif: {bin: string}}
  const bin = pjson.oclif.bin
  const scopedEnvVarKey = (name: string) => [bin, name].map((p) => p.replaceAll('@', '').replaceAll(/[-/]/g, '_')).join('_').toUpperCase()
  const stub = {
    bin,
    pjson,
    root,
    runHook: async () => ({successes: [], failures: []}),
    scopedEnvVar: (name: string) => process.env[scopedEnvVarKey(name)],
    scopedEnvVarKey,
    scopedEnvVarKeys: (name: string) => [scopedEnvVarKey(name)],
    // Read only to standardize a spaced id before warning about deprecated aliases, which no hot command has.
    topicSeparator: ':',
  }
  return stub as unknown as Config
}
