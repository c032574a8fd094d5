#!/usr/bin/env node
// Global options before the verb, then oclif (see src/cli/main.ts).
import {main} from '../dist/cli/main.js'

await main(process.argv.slice(2), import.meta.url)
