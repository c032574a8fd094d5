// The house's layering: a folder of src/ imports only folders below it (or its own), so no loop between
// folders can form. Type-only imports count too: they still tie a lower layer to a higher one's shapes.
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'

import {expect, it} from 'vitest'

import {repoRoot} from './helpers/cli.js'

// Top to bottom; folders on one line are siblings that may use each other, never one above.
const LAYERS = [
  ['entry'],
  ['commands'],
  ['cli'],
  ['backends'],
  ['pool', 'fusion', 'sim', 'xml'],
  ['definition'],
  ['ground', 'store', 'generated', 'types'],
]
const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)))
const src = join(repoRoot, 'src')

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    const p = join(dir, e.name)
    if (e.isDirectory()) yield* sources(p)
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) yield p
  }
}

const topFolder = (file: string) => relative(src, file).split('/')[0]

it('every import in src/ goes down the layers or stays in its own', () => {
  const wrong: string[] = []
  for (const file of sources(src)) {
    const from = topFolder(file)
    expect(rank.has(from), `src/${from} is in no layer`).toBe(true)
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const to = topFolder(resolve(dirname(file), m[1]))
      if (rank.get(to)! < rank.get(from)!) wrong.push(`${relative(repoRoot, file)} imports ${m[1]} (${from} is below ${to})`)
    }
  }
  expect(wrong).toEqual([])
})
