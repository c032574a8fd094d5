// Loads the one-file CJS bundle of the fast path (dist/bundle/ubmgr.cjs) with a V8 code cache kept in the
// user's cache directory ($UBMGR_CACHE_DIR, else $XDG_CACHE_HOME/ubmgr, else ~/.cache/ubmgr). Node 20 has
// no module.enableCompileCache (Node 22), so the bundle is compiled here as node compiles a CJS module.
// There is one cache per hot command (the functions a run compiled are what its cache holds), each named
// after the bundle's size, mtime and inode and node's version, so a rebuilt bundle gets new ones and the old
// ones are removed; V8 also checks the data itself and rejects what does not match (cachedDataRejected),
// then it is compiled from source and the cache written again. Nothing here may fail a run: a cache that
// cannot be read or written only costs time. UBMGR_CODE_CACHE=0 turns it off.
import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {Script} from 'node:vm'

const PREFIX = 'fast-path-'

/** The bundle's exports, or undefined when it is not there (then oclif runs everything). */
export function loadBundle<T>(file: string, command: string): T | undefined {
  let source: string
  let stat
  try {
    stat = statSync(file)
    // Pure ASCII (the build escapes every other character), so latin1 reads it exactly.
    source = readFileSync(file, 'latin1')
  } catch {
    return undefined
  }
  const dir = cacheDir()
  const build = `${process.version}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${stat.ino}.v8`
  const cacheFile = dir && join(dir, `${PREFIX}${command}-${build}`)
  const cachedData = cacheFile ? readCache(cacheFile) : undefined
  // node's own CJS wrapper. The bundle has no import() (the build turns them into require()): node 20 drops
  // a script's dynamic-import callback when the script comes from cached data.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {filename: file, cachedData})
  const module = {exports: {} as T}
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file))
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    // Written at exit, when the functions this run used are compiled too and go into the cache.
    process.once('exit', () => writeCache(dir, cacheFile, build, script))
  }
  return module.exports
}

function cacheDir(): string | undefined {
  if (process.env.UBMGR_CODE_CACHE === '0') return undefined
  if (process.env.UBMGR_CACHE_DIR) return process.env.UBMGR_CACHE_DIR
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(base, 'ubmgr')
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}

/** Atomically (a temporary file renamed), and the caches of other builds removed. */
function writeCache(dir: string, file: string, build: string, script: Script): void {
  try {
    mkdirSync(dir, {recursive: true})
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, script.createCachedData())
    renameSync(tmp, file)
    for (const name of readdirSync(dir))
      if (name.startsWith(PREFIX) && !name.endsWith(build) && !name.endsWith('.tmp')) rmSync(join(dir, name), {force: true})
  } catch {
    // a read-only or full cache directory: the next run compiles from source again
  }
}
