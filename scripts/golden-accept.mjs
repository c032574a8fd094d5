// Record the SHA-256 of every expectation file (golden XML, the invalid corpus' .expected) in
// test/expectations.sha256, after a reviewed UPDATE_GOLDEN=1 run. The tests refuse any expectation file
// whose sum is not listed, so this is the one step that accepts new expectations (see test/helpers/golden.ts).
import {createHash} from 'node:crypto'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const files = [
  ...readdirSync(join(root, 'test/golden')).filter((f) => f.endsWith('.xml')).map((f) => `test/golden/${f}`),
  ...readdirSync(join(root, 'test/invalid')).filter((f) => f.endsWith('.expected')).map((f) => `test/invalid/${f}`),
].sort()
const lines = files.map((f) => `${createHash('sha256').update(readFileSync(join(root, f))).digest('hex')}  ${f}`)
writeFileSync(join(root, 'test/expectations.sha256'), lines.join('\n') + '\n')
console.log(`test/expectations.sha256: ${files.length} expectation files`)
