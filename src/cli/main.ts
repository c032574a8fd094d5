// The process entry (bin/run.js): virsh-style global options before the verb, then oclif's run, and every
// error that did not pass through a ubmgr command's catch() (an unknown command, a plugin's parse error)
// printed as one `error: …` line (or --json's {"error":…}) instead of oclif's " ›   Error:" block.
import {fileURLToPath} from 'node:url'

import {Config, Plugin} from '@oclif/core/config'
import {run} from '@oclif/core/run'

import {normalizeArgv} from './global-options.js'
import {guardStreams} from './output.js'
import {finishRun, report} from './report.js'

export async function main(argv: string[], root: string): Promise<void> {
  guardStreams()
  let config: Config | undefined
  try {
    // ubmgr's own commands first (the hot path: validate, render, list, …); oclif's plugins (help,
    // autocomplete) are loaded only when argv names none of them, which saves their load on every run.
    const rootPlugin = new Plugin({root: root.startsWith('file:') ? fileURLToPath(root) : root, isRoot: true})
    await rootPlugin.load()
    let loaded = await Config.load({root: rootPlugin.root, plugins: new Map([[rootPlugin.name, rootPlugin]])})
    let normalized = normalize(argv, loaded)
    if (!namesCommand(normalized.argv, loaded)) {
      loaded = await Config.load(rootPlugin.root)
      normalized = normalize(argv, loaded)
    }
    config = loaded
    if (normalized.debug) process.env.UBMGR_DEBUG = '1'
    // run() reloads a loaded Config at no real cost (its plugins are reused).
    await run(normalized.argv, loaded)
    await finishRun()
  } catch (error) {
    await report(error, argv, config)
  }
}

function normalize(argv: string[], config: Config) {
  return normalizeArgv(argv, config.bin, (words) => {
    // The longest run of words that names a command: `pool list` before `pool`.
    for (let n = words.length; n >= 1; n--) {
      const command = config.findCommand(words.slice(0, n).join(':'))
      if (command) return {command, words: n}
    }
    return undefined
  })
}

/** argv (normalized) starts with a command of config, or is --version (which needs no command at all). */
function namesCommand(argv: string[], config: Config): boolean {
  if (argv[0] === '--version') return true
  return argv.length > 0 && !argv[0].startsWith('-') && config.findCommand(argv[0]) !== undefined
}
