// The examples every suite runs over, loaded and normalized once per file.
import {readdirSync} from 'node:fs'
import {join} from 'node:path'

import {loadAndValidate, type UbVm} from '../src/definition/index.js'
import {examples, repoRoot} from './helpers/cli.js'

export const exampleFiles = readdirSync(examples).filter((f) => f.endsWith('.yaml')).sort()

export async function exampleVm(file: string): Promise<UbVm> {
  return (await loadAndValidate(join(examples, file))).vm
}

export const goldenPath = (example: string, target: string): string =>
  join(repoRoot, 'test', 'golden', `${example.replace(/\.yaml$/, '')}.${target}.xml`)
