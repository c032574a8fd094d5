// bench:lifecycle's bulk path: N domain records written straight to the store, as `define` writes them (checked
// byte for byte against a record a library define wrote), so 10,000 domains take seconds rather than 10,000
// transactions. The index is left to the library: the first transaction after builds it from the records.
import {spawnSync} from 'node:child_process'
import {mkdirSync, readFileSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const {keyPath} = await import(join(root, 'dist/store/state-store.js'))
const WRITERS = 32

/** The record define writes for a new domain (src/backends/sim/backend.ts). */
const recordText = (d) =>
  JSON.stringify({version: 1, name: d.name, uuid: d.uuid, state: 'shut off', id: null, persistent: true, config: {...d, uuid: d.uuid}, live: null, sim: null}) + '\n'

/** Fails unless recordText gives exactly what a library define wrote. */
async function checkAgainstDefine(stateDir, definition, backendOf) {
  const d = definition('bulk-check', crypto.randomUUID())
  await backendOf('bulk-check').define(d, {dryRun: false, source: 'bench'})
  const written = readFileSync(join(stateDir, 'bulk-check', keyPath(`domains/${d.name}`)), 'utf8')
  if (written !== recordText(d)) throw new Error(`the bulk path no longer writes what define writes:\n${written}\n${recordText(d)}`)
}

export async function bulkDefine({stateDir, store, count, definition, backendOf}) {
  await checkAgainstDefine(stateDir, definition, backendOf)
  const dir = join(stateDir, store)
  mkdirSync(join(dir, 'domains'), {recursive: true, mode: 0o700})
  let next = 0
  const writer = async () => {
    for (let i = next++; i < count; i = next++) {
      const d = definition(`bulk-${String(i).padStart(5, '0')}`, crypto.randomUUID())
      await writeFile(join(dir, keyPath(`domains/${d.name}`)), recordText(d))
    }
  }
  await Promise.all(Array.from({length: WRITERS}, writer))
  // what was written reaches the disk now, not during the measurements
  spawnSync('sync')
}
