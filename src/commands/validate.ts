import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import type {Problem} from '../definition/index.js'
import {UbmgrError} from '../ground/errors.js'
import {UbmgrCommand} from '../cli/command.js'
import {printJson} from '../cli/output.js'

export default class Validate extends UbmgrCommand {
  static override summary = 'Check UB VM definitions against the schema and the UB stack’s rules'
  static override description =
    'Reports every problem of every file at once, one line each on stderr:\n' +
    '  FILE:LINE:COL: /json/pointer: message — hint: …\n' +
    'Warnings (FILE:LINE:COL: warning: …) are printed but do not make a file invalid; QEMU pass-through ' +
    'allowed with libvirt.allowQemu is one. ' +
    'The first 20 lines of a file are shown, then a count (--all-problems shows all; --json always has all). ' +
    'With --target, the limits of that XML form are checked too (openeuler: openEuler libvirt’s UB grammar). ' +
    'Exit status: 0 all valid, 1 a file is invalid or unreadable, 2 usage error. "-" reads standard input.'
  static override examples = [
    '<%= config.bin %> validate examples/dpu-passthrough.yaml',
    '<%= config.bin %> validate --json vm1.yaml vm2.json',
    'cat vm.yaml | <%= config.bin %> validate -',
  ]
  static override strict = false
  static override args = {file: Args.string({description: 'definition files (YAML or JSON), or - for stdin', required: true})}
  static override flags = {
    target: Flags.string({char: 't', summary: 'also check the limits of this XML form', options: ['ubmgr', 'openeuler', 'upstream']}),
  }

  async run(): Promise<{valid: boolean; files: Array<{file: string; valid: boolean; problems: Problem[]}>}> {
    const {argv, flags} = await this.parse(Validate)
    const [{validateFile}, {formatProblem, isError}] = await Promise.all([import('../xml/validate.js'), import('../ground/problem.js')])
    const target = flags.target as 'ubmgr' | 'openeuler' | 'upstream' | undefined
    const files = []
    for (const file of argv as string[]) {
      this.inputFile = file
      const {problems} = await validateFile(file, {target})
      const valid = !problems.some(isError)
      files.push({file, valid, problems})
      if (!this.jsonEnabled()) {
        // -q keeps errors and drops warnings, like every other diagnostic.
        this.problemLines(problems.filter((p) => isError(p) || !this.quiet).map(formatProblem))
        if (valid) this.say(`${file}: valid${target ? ` for target ${target}` : ''}`)
      }
    }
    const valid = files.every((f) => f.valid)
    if (!valid) {
      if (this.jsonEnabled()) printJson({valid, files})
      process.exitCode = 1
      // Problems are already printed; exit 1 without another line.
      throw new UbmgrError([], 1)
    }
    return {valid, files}
  }
}
