// Characters a terminal acts on instead of showing: C0 controls except tab and newline (ESC starts escape
// sequences, CR overwrites a line), DEL, C1 controls (U+009B is CSI), the bidirectional marks, overrides and
// isolates that reorder what a reader sees ("Trojan Source"), and lone surrogates. Text that came from a
// file is escaped before it is printed, in the form of whatever is printed: plain text, JSON, XML or YAML.
export const TERMINAL_UNSAFE =
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const hex = (c: string, width: number) => c.charCodeAt(0).toString(16).padStart(width, '0')

/** For people: \x1b, \u202e. Tab and newline stay. */
export const escapeForTerminal = (text: string): string =>
  text.replace(TERMINAL_UNSAFE, (c) => (c.charCodeAt(0) < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`))

/** Inside JSON text (these characters only occur in strings there): \u009b — the same value, escaped. */
export const escapeForJson = (json: string): string => json.replace(TERMINAL_UNSAFE, (c) => `\\u${hex(c, 4)}`)

/** Inside YAML double-quoted scalars: \x9b, \u202e — the same value, escaped. */
export const escapeForYamlDoubleQuoted = escapeForTerminal

/** Inside XML text or attribute values: a character reference, the same value once parsed. */
export const escapeForXml = (text: string): string => text.replace(TERMINAL_UNSAFE, (c) => `&#x${hex(c, 2)};`)

export const hasTerminalUnsafe = (text: string): boolean => {
  TERMINAL_UNSAFE.lastIndex = 0
  const found = TERMINAL_UNSAFE.test(text)
  TERMINAL_UNSAFE.lastIndex = 0
  return found
}
