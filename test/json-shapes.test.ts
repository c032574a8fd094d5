// Every documented --json shape (schemas/json/) against what the commands print, on the embedded backend:
// one shape per command, whatever the number of names, and per-item errors inside the array.
import Ajv2020 from 'ajv/dist/2020.js'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {examples, repoRoot, runCli, tempDir} from './helpers/cli.js'

const dir = join(repoRoot, 'schemas', 'json')
const ajv = new Ajv2020({strict: false, allErrors: true})
const schemas = new Map(readdirSync(dir).map((f) => [f.replace('.schema.json', ''), JSON.parse(readFileSync(join(dir, f), 'utf8'))]))

let root: string
let cleanup: () => Promise<void>
let env: Record<string, string>
beforeAll(async () => {
  ;({dir: root, cleanup} = await tempDir('ubmgr-json-'))
  env = {UBMGR_STATE_DIR: root, UBMGR_DEFAULT_URI: 'sim:///json'}
})
afterAll(() => cleanup())

/** Run a command with --json and check its stdout against the named schema; returns the parsed value. */
async function shaped(schema: string, args: string[], exit = 0, input?: string): Promise<unknown> {
  const r = await runCli([...args, '--json'], {env, ...(input === undefined ? {} : {input})})
  expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(exit)
  const value = JSON.parse(r.stdout)
  const validate = ajv.getSchema(`urn:ubmgr:json:${schema}`) ?? ajv.compile(schemas.get(schema)!)
  expect(validate(value), `${args.join(' ')} vs ${schema}: ${ajv.errorsText(validate.errors)}\n${r.stdout.slice(0, 400)}`).toBe(true)
  return value
}

const vm = 'tenant-a-web-3'

describe('--json shapes (schemas/json)', () => {
  it('every schema is a valid JSON Schema with an $id and a description', () => {
    expect(schemas.size).toBeGreaterThanOrEqual(20)
    for (const [name, s] of schemas) {
      expect(ajv.validateSchema(s), name).toBe(true)
      expect(s.$id, name).toBe(`urn:ubmgr:json:${name}`)
      expect(typeof s.description, name).toBe('string')
    }
  })

  it('the life cycle and the verbs on domains, one name or many, with a failing one', async () => {
    await shaped('define', ['define', join(examples, 'pooled.yaml')])
    await shaped('define', ['define', join(examples, 'dpu-passthrough.yaml'), '--dry-run'])
    await shaped('define', ['define', join(examples, 'dpu-passthrough.yaml')])
    await shaped('start', ['start', vm])
    await shaped('list', ['list', '--all'])
    await shaped('dominfo', ['dominfo', vm])
    expect(await shaped('domstate', ['domstate', '-'], 0, `${vm}\ndpu-vm-01\n`)).toHaveLength(2)
    await shaped('domstate', ['domstate', vm, '--reason'])
    const id = (await shaped('domid', ['domid', vm])) as Array<{id: number}>
    await shaped('domuuid', ['domuuid', vm])
    await shaped('domname', ['domname', String(id[0].id)])
    await shaped('suspend', ['suspend', vm])
    await shaped('resume', ['resume', vm])
    await shaped('reboot', ['reboot', vm])
    await shaped('reset', ['reset', vm])
    await shaped('autostart', ['autostart', vm])
    await shaped('dumpxml', ['dumpxml', vm])
    // one good name and one unknown: both items, the second an error, exit 1
    const mixed = (await shaped('destroy', ['destroy', '-'], 1, `${vm}\nno-such-vm\n`)) as Array<{name: string; error?: {message: string}}>
    expect(mixed.map((m) => m.name)).toEqual([vm, 'no-such-vm'])
    expect(mixed[1].error?.message).toBe("error: failed to get domain 'no-such-vm'")
    // a single failing name: still an array
    expect(await shaped('start', ['start', 'no-such-vm'], 1)).toEqual([{name: 'no-such-vm', error: {code: 1, message: "error: failed to get domain 'no-such-vm'"}}])
    await shaped('shutdown', ['shutdown', '-'], 1, 'dpu-vm-01\n')
    await shaped('undefine', ['undefine', 'dpu-vm-01'])
  })

  it('validate, render, capabilities, store check, pool check, version, and an error', async () => {
    await shaped('validate', ['validate', join(examples, 'pooled.yaml')])
    await shaped('validate', ['validate', join(repoRoot, 'test/invalid/eid-zero.yaml')], 1)
    await shaped('render', ['render', join(examples, 'pooled.yaml'), '--target', 'openeuler'])
    await shaped('capabilities', ['capabilities'])
    await shaped('store-check', ['store', 'check'])
    await shaped('pool-check', ['pool', 'check'])
    await shaped('version', ['version'])
    await shaped('error', ['start'], 2)
    await shaped('error', ['render', join(repoRoot, 'no-such-file.yaml')], 1)
  })
})
