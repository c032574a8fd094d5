#!/usr/bin/env node
// The hot commands with plain arguments run from a one-file bundle with a V8 code cache (src/entry/fast-path.ts,
// src/entry/code-cache.ts); everything else goes to oclif, with virsh-style global options (src/cli/main.ts).
// UBMGR_FAST_PATH=0 sends everything to oclif (the equivalence test and bench:startup compare the two).
import {fileURLToPath} from 'node:url'

import {firstHotWord, helpAsked} from '../dist/entry/hot.js'

const argv = process.argv.slice(2)
let done = false
// Cheap and generous (`help list` passes); the fast path decides exactly and hands the rest back.
const hot = process.env.UBMGR_FAST_PATH === '0' || helpAsked(argv) ? undefined : firstHotWord(argv)
if (hot) {
  const {loadBundle} = await import('../dist/entry/code-cache.js')
  const fast = loadBundle(fileURLToPath(new URL('../dist/bundle/ubmgr.cjs', import.meta.url)), hot)
  done = fast !== undefined && (await fast.runFast(argv, fileURLToPath(new URL('..', import.meta.url))))
}
if (!done) await (await import('../dist/cli/main.js')).main(argv, import.meta.url)
