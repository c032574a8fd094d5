// Every command the README shows runs as written: each ```sh block, in order, in one bash session per block
// and one working directory for all (so vm.xml written by the quickstart is there for later blocks), with
// `npx ubmgr` being this checkout's CLI and the embedded backend's state in a temp directory. Blocks that say
// they need a libvirtd (qemu:// URIs) are left out; they are run against a real libvirtd in
// libvirt-lifecycle.test.ts.
import {execa} from 'execa'
import {symlink} from 'node:fs/promises'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {bin, repoRoot, tempDir} from './helpers/cli.js'

interface Block {
  line: number
  text: string
}

export function shellBlocks(markdown: string): Block[] {
  const blocks: Block[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```sh') continue
    const start = i + 1
    let j = start
    while (j < lines.length && lines[j].trim() !== '```') j++
    blocks.push({line: start + 1, text: lines.slice(start, j).join('\n')})
    i = j
  }
  return blocks
}

const needsLibvirtd = (b: Block) => /qemu(\+\w+)?:\/\//.test(b.text)
/** Setup commands for a fresh clone: they are what this test itself runs under. */
const isSetup = (b: Block) => /^npm ci\b/m.test(b.text)

let work: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({dir: work, cleanup} = await tempDir('ubmgr-readme-'))
  // the README's relative paths are the repository's
  for (const entry of ['examples', 'test', 'schemas']) await symlink(join(repoRoot, entry), join(work, entry))
})
afterAll(() => cleanup())

const blocks = shellBlocks(readFileSync(join(repoRoot, 'README.md'), 'utf8'))

describe('README', () => {
  it('has shell blocks to run', () => {
    expect(blocks.filter((b) => !needsLibvirtd(b) && !isSetup(b)).length).toBeGreaterThanOrEqual(4)
  })

  for (const block of blocks.filter((b) => !needsLibvirtd(b) && !isSetup(b)))
    it(`README.md:${block.line}: runs as written`, async () => {
      const script = [
        'set -euo pipefail',
        // `npx ubmgr …` is this checkout's CLI; anything else npx would run is not expected in the README
        `npx() { if [ "$1" = ubmgr ]; then shift; ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"; else echo "README runs npx $1" >&2; return 1; fi; }`,
        block.text.replace(/\/tmp\/ubmgr-state/g, join(work, 'state')),
      ].join('\n')
      const r = await execa('bash', ['-c', script], {cwd: work, reject: false, env: {NO_COLOR: '1', UBMGR_STATE_DIR: join(work, 'state'), XDG_STATE_HOME: join(work, 'xdg')}})
      expect(r.exitCode, `${r.stderr}`).toBe(0)
    }, 180_000)
})
