// docs/commands.md: the command reference, generated from oclif.manifest.json (the same definitions --help
// reads), so it cannot drift from the code: `npm run docs:commands` writes it, and a test checks it is current.
import {readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const GLOBAL = new Set(['json', 'quiet', 'debug', 'all-problems'])

export function commandsMarkdown(manifest) {
  const out = [
    '# ubmgr command reference',
    '',
    'Generated from the commands’ own definitions (`npm run docs:commands`); `ubmgr help COMMAND` shows the same.',
    'Every command also takes the global options `--json`, `-q/--quiet`, `--debug` and `--all-problems`;',
    '`-c/--connect`, `-q` and `--json` may come before the command, as with virsh.',
    '',
  ]
  for (const id of Object.keys(manifest.commands).sort()) {
    const c = manifest.commands[id]
    const words = id.replaceAll(':', ' ')
    const args = Object.values(c.args ?? {}).map((a) => (a.required ? a.name.toUpperCase() : `[${a.name.toUpperCase()}]`))
    out.push(`## ubmgr ${words}`, '', c.summary ?? '', '')
    out.push('```', ['ubmgr', words, ...args].join(' '), '```', '')
    if (c.description) out.push(c.description, '')
    const argRows = Object.values(c.args ?? {}).map((a) => `| \`${a.name.toUpperCase()}\` | ${cell(a.description)} |`)
    if (argRows.length > 0) out.push('| argument | |', '|---|---|', ...argRows, '')
    const flags = Object.values(c.flags ?? {}).filter((f) => !GLOBAL.has(f.name) && !f.hidden)
    if (flags.length > 0) {
      out.push('| option | |', '|---|---|')
      for (const f of flags.sort((a, b) => a.name.localeCompare(b.name))) {
        const name = `${f.char ? `-${f.char}, ` : ''}--${f.name}${f.type === 'option' ? ' VALUE' : ''}`
        const more = [f.options ? `one of: ${f.options.join(', ')}` : '', f.default !== undefined && f.type === 'option' ? `default: ${f.default}` : ''].filter(Boolean)
        out.push(`| \`${name}\` | ${cell([f.summary ?? f.description ?? '', ...more].filter(Boolean).join('; '))} |`)
      }
      out.push('')
    }
    const examples = (c.examples ?? []).map((e) => (typeof e === 'string' ? e : e.command).replaceAll('<%= config.bin %>', 'ubmgr'))
    if (examples.length > 0) out.push('```sh', ...examples, '```', '')
  }
  return out.join('\n')
}

const cell = (text) => String(text ?? '').replaceAll('|', '\\|').replaceAll('\n', ' ')

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'))
  writeFileSync(join(root, 'docs', 'commands.md'), commandsMarkdown(manifest))
  console.log(`docs/commands.md: ${Object.keys(manifest.commands).length} commands`)
}
