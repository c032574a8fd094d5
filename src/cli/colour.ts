// Colour only on a TTY, never with NO_COLOR (https://no-color.org) or TERM=dumb; FORCE_COLOR wins.
import {Chalk, type ChalkInstance} from 'chalk'

export function colourEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  const env = process.env
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.TERM === 'dumb') return false
  return Boolean(stream.isTTY)
}

let cached: ChalkInstance | undefined
export function colour(): ChalkInstance {
  cached ??= new Chalk({level: colourEnabled() ? 1 : 0})
  return cached
}
