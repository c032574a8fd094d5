import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {firstHotWord, helpAsked, HOT_COMMANDS} from './hot.js'

describe('the fast path prefilter', () => {
  it('finds the hot command after global options, not after --', () => {
    expect(firstHotWord(['-c', 'sim:///x', '-q', 'list', '--all'])).toBe('list')
    expect(firstHotWord(['help', 'render'])).toBe('render')
    expect(firstHotWord(['pool', 'list'])).toBe('list')
    expect(firstHotWord(['host', 'enumerate'])).toBeUndefined()
    expect(firstHotWord(['--', 'validate'])).toBeUndefined()
  })

  it('sees help asked before -- only', () => {
    expect(helpAsked(['validate', '-h'])).toBe(true)
    expect(helpAsked(['--help'])).toBe(true)
    expect(helpAsked(['validate', '--', '--help'])).toBe(false)
    expect(helpAsked(['validate', 'f.yaml'])).toBe(false)
  })

  it('names only commands the manifest has, each without topics or aliases', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8')) as {
      commands: Record<string, {aliases: string[]}>
    }
    for (const id of HOT_COMMANDS) {
      expect(manifest.commands[id], id).toBeDefined()
      expect(manifest.commands[id].aliases, id).toEqual([])
    }
  })
})
