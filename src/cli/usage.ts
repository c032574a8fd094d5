// One line for a usage error. oclif's parse errors span several lines ("Missing 1 required arg:\nname …",
// "Parsing --nodes \n\tExpected …", "See more help with --help"), and printing only the first lost the
// reason; these rewrite them into `error: REASON (usage: …)`. No oclif import: the errors are recognised by
// their fields, because oclif does not export its parser error classes.

/** What a usage line needs to know about a command (its manifest entry or its class have these fields). */
export interface CommandShape {
  id?: string
  args?: Record<string, {name?: string; required?: boolean}>
  flags?: Record<string, {name: string; char?: string}>
  strict?: boolean
}

interface OclifLikeError extends Error {
  args?: unknown[]
  flags?: string[]
  parse?: unknown
}

/** `ubmgr host generate` from the id `host:generate`. */
export const spacedId = (bin: string, id: string | undefined): string => (id ? `${bin} ${id.split(':').join(' ')}` : bin)

/** `ubmgr start NAME` / `ubmgr validate FILE...`: the command and its arguments. */
export function usageOf(bin: string, cmd: CommandShape): string {
  const words = [spacedId(bin, cmd.id)]
  const args = Object.values(cmd.args ?? {})
  args.forEach((a, i) => {
    const name = (a.name ?? `arg${i + 1}`).toUpperCase() + (cmd.strict === false && i === args.length - 1 ? '...' : '')
    words.push(a.required ? name : `[${name}]`)
  })
  return words.join(' ')
}

/** The reason of an oclif (parse) error on one line, without "error: "; undefined when it is not one. */
export function usageReason(err: OclifLikeError, bin: string, cmd?: CommandShape): string | undefined {
  // oclif's theme may colour parts of a message even without a terminal.
  const message = err.message.replace(/\x1b\[[0-9;]*m/g, '')
  const usage = cmd ? ` (usage: ${usageOf(bin, cmd)})` : ''
  const help = cmd?.id ? ` (see '${spacedId(`${bin} help`, cmd.id)}')` : ''
  if (/^Missing \d+ required arg/.test(message) && Array.isArray(err.args)) {
    const names = err.args.map((a) => String((a as {name?: string}).name ?? '?').toUpperCase())
    return `missing required argument${names.length === 1 ? '' : 's'} ${names.join(', ')}${usage}`
  }
  if (/^Unexpected arguments?:/.test(message) && Array.isArray(err.args)) {
    return `unexpected argument${err.args.length === 1 ? '' : 's'}: ${err.args.map(String).join(' ')}${usage}`
  }
  if (/^Nonexistent flags?:/.test(message) && Array.isArray(err.flags)) {
    const hint = err.flags.length === 1 && cmd ? closestFlag(err.flags[0], cmd) : undefined
    return `unknown option${err.flags.length === 1 ? '' : 's'} ${err.flags.join(', ')}${hint ? `; did you mean ${hint}?` : ''}${help}`
  }
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'See more help with --help')
  if (lines.length === 0) return undefined
  // "Parsing --nodes \n\tExpected an integer …": the flag, then what was wrong with its value.
  const parsing = /^Parsing (--\S+)$/.exec(lines[0])
  if (parsing) return `${parsing[1]}: ${lines.slice(1).join('; ') || 'invalid value'}`
  const option = /^Expected (--[^=\s]+)=(.*) to be one of: (.*)$/.exec(lines[0])
  if (option) return `${option[1]}: expected one of ${option[3]}, got '${option[2]}'`
  if (/^The following errors? occurred:$/.test(lines[0])) return lines.slice(1).join('; ')
  return lines.join('; ')
}

/** The command's flag nearest to a misspelt one (--taget → --target), if any is close. */
function closestFlag(given: string, cmd: CommandShape): string | undefined {
  const word = given.replace(/^-+/, '').replace(/=.*$/, '')
  const names = Object.values(cmd.flags ?? {}).map((f) => f.name)
  return closestWord(word, names, (n) => `--${n}`)
}

/**
 * The candidate nearest to word by optimal string alignment distance (a swap of neighbours costs one, so
 * "lsit" is one from "list"), when near enough to be a typo or when the word begins the candidate.
 */
export function closestWord(word: string, candidates: string[], show: (c: string) => string = (c) => c): string | undefined {
  let best: {c: string; d: number} | undefined
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 3 ? 0.5 : editDistance(word, c)
    if (!best || d < best.d) best = {c, d}
  }
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? show(best.c) : undefined
}

function editDistance(a: string, b: string): number {
  const d: number[][] = []
  for (let i = 0; i <= a.length; i++) d.push([i])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  return d[a.length][b.length]
}
