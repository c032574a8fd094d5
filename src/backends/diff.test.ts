import {describe, expect, it} from 'vitest'

import {lineDiff} from './diff.js'

describe('define --dry-run diff', () => {
  it('a changed line: the removal, then its replacement', async () => {
    expect(await lineDiff('name: a\nvcpus: 8\nmemory: 4GiB\n', 'name: a\nvcpus: 4\nmemory: 4GiB\n')).toEqual(['- vcpus: 8', '+ vcpus: 4'])
  })
  it('a new domain: every line added; nothing changed: nothing', async () => {
    expect(await lineDiff('', 'name: a\nvcpus: 2\n')).toEqual(['+ name: a', '+ vcpus: 2'])
    expect(await lineDiff('name: a\n', 'name: a\n')).toEqual([])
  })
})
