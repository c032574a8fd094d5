// The base command's last line of defence: an error ubmgr did not expect (a bug) is one line that names
// the file being read, never a stack (UBMGR_DEBUG=1 adds it).
import {fileURLToPath} from 'node:url'
import {afterEach, describe, expect, it, vi} from 'vitest'

import {UbmgrCommand} from './command.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

class Boom extends UbmgrCommand {
  static override args = {}
  async run(): Promise<unknown> {
    await this.parse(Boom)
    this.inputFile = 'vm.yaml'
    // What a bug looks like from the outside, e.g. JSON of a cyclic object.
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    return JSON.stringify(cyclic)
  }
}

async function stderrOf(run: () => Promise<unknown>): Promise<{stderr: string; exit?: number}> {
  let stderr = ''
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk)
    return true
  })
  try {
    await run()
    return {stderr}
  } catch (error) {
    return {stderr, exit: (error as {oclif?: {exit?: number}}).oclif?.exit}
  } finally {
    spy.mockRestore()
    process.exitCode = undefined
  }
}

afterEach(() => vi.unstubAllEnvs())

describe('internal errors', () => {
  it('name the file, in one line, exit 1', async () => {
    const r = await stderrOf(() => Boom.run([], root))
    expect(r).toEqual({stderr: "error: vm.yaml: internal error: Converting circular structure to JSON (UBMGR_DEBUG=1 shows where)\n", exit: 1})
  })

  it('show the stack with UBMGR_DEBUG=1', async () => {
    vi.stubEnv('UBMGR_DEBUG', '1')
    const r = await stderrOf(() => Boom.run([], root))
    expect(r.stderr).toMatch(/^TypeError: Converting circular structure to JSON\n[\s\S]*\n\s+at /)
    expect(r.stderr.endsWith("error: vm.yaml: internal error: Converting circular structure to JSON (UBMGR_DEBUG=1 shows where)\n")).toBe(true)
  })
})
