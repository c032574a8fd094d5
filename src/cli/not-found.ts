// oclif's command_not_found hook. @oclif/plugin-not-found asks "Did you mean …?" when stdin is a terminal
// and prints a decorated warning otherwise; ubmgr never prompts and says everything on one line, so the
// suggestion is printed and the run ends as a usage error (exit 2).
import type {Hook} from '@oclif/core/hooks'
import type {Config} from '@oclif/core/interfaces'

import {UsageError} from '../ground/errors.js'
import {closestWord, spacedId, usageOf} from './usage.js'

const hook: Hook<'command_not_found'> = async function ({config, id}) {
  throw notFound(config, id)
}

/** The usage error for an id that names no command (also `ubmgr help NAME`'s). */
export function notFound(config: Config, id: string): UsageError {
  const words = id.split(':')
  // oclif joins a word after a command that takes no arguments to its id: `ubmgr list extra` → list:extra.
  for (let n = words.length - 1; n >= 1; n--) {
    const command = config.findCommand(words.slice(0, n).join(':'))
    if (command)
      return new UsageError(`error: unexpected argument${words.length - n === 1 ? '' : 's'}: ${words.slice(n).join(' ')} (usage: ${usageOf(config.bin, command)})`)
  }
  const typed = words.join(' ')
  const ids: string[] = []
  for (const c of config.commands) if (!c.hidden) for (const name of [c.id, ...c.aliases]) ids.push(name.split(':').join(' '))
  const suggestion = closestWord(typed, ids)
  return new UsageError(
    `error: '${typed}' is not a ${config.bin} command${suggestion ? `; did you mean '${spacedId(config.bin, suggestion)}'?` : ''} ('${config.bin} help' lists the commands)`,
  )
}

export default hook
