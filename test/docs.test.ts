// docs/commands.md is generated from the commands' own definitions; it must be current.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {repoRoot} from './helpers/cli.js'
// @ts-expect-error: a plain ES module script without types
import {commandsMarkdown} from '../scripts/commands-md.mjs'

describe('docs/commands.md', () => {
  it('is what npm run docs:commands writes from the manifest (run it after changing a command)', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8'))
    expect(readFileSync(join(repoRoot, 'docs', 'commands.md'), 'utf8')).toBe(commandsMarkdown(manifest))
    for (const id of Object.keys(manifest.commands)) expect(commandsMarkdown(manifest)).toContain(`## ubmgr ${id.replaceAll(':', ' ')}\n`)
  })
})
