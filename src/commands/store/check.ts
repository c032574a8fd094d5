import * as Flags from '@oclif/core/flags'

import {UbmgrError} from '../../ground/errors.js'
import {printErr, printJson} from '../../cli/output.js'
import {UbmgrCommand} from '../../cli/command.js'
import {connectFlag} from '../../cli/flags.js'

export default class StoreCheck extends UbmgrCommand {
  static override summary = 'Check the embedded state store; --repair completes or rolls back what a crash left and moves damaged files aside'
  static override description =
    'Finds an interrupted commit, temp files of writers that died, files that are not JSON or not the record their name needs, ' +
    'a shut-off domain that still holds guest state, a device passed through to two running domains, bus-instance locks held by ' +
    'domains that are not running, and every pool (UBPRM) leak that `pool check` reports. Exit 1 when anything is wrong. ' +
    '--repair completes the interrupted commit, removes temp files, moves damaged files to DIR/damaged/ and, when the host and ' +
    'the domains disagree, resets the simulated host (its state and the pool ledger moved aside, rebuilt from the fabric) and ' +
    'marks running domains shut off, as a host crash would. --json: {dir, domains, running, findings: [{kind, subject, message, repaired?}], clean}.'
  static override examples = ['<%= config.bin %> store check', '<%= config.bin %> store check --repair', '<%= config.bin %> store check -c sim:///lab --json']
  static override flags = {
    connect: connectFlag,
    repair: Flags.boolean({summary: 'complete or roll back what a crash left; move damaged files aside'}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(StoreCheck)
    const [{resolveUri, backendKind, simStoreName}, {EmbeddedStore}, {checkStore}] = await Promise.all([
      import('../../backends/uri.js'),
      import('../../backends/sim/store.js'),
      import('../../backends/sim/store-check.js'),
    ])
    const uri = resolveUri(flags.connect)
    if (backendKind(uri) !== 'sim') throw new UbmgrError(`error: store check works on ubmgr's embedded store (-c sim:///NAME), not ${uri}; libvirt keeps its own state`)
    const report = await checkStore(new EmbeddedStore(simStoreName(uri)), flags.repair)
    const label = (f: (typeof report.findings)[number]) => (f.repaired ? 'repaired' : f.kind === 'temp' ? 'note' : 'error')
    const lines = report.findings.map((f) => `${label(f)}: ${f.message}${f.repaired ? ` — ${f.repaired}` : ''}`)
    const problems = report.findings.filter((f) => label(f) === 'error').length
    const verdict = report.clean ? (report.findings.some((f) => f.repaired) ? 'repaired' : 'consistent') : `${problems} problem(s)${flags.repair ? '' : "; run 'ubmgr store check --repair'"}`
    const summary = `${report.dir}: ${report.domains} domain(s), ${report.running} running: ${verdict}`
    if (!report.clean) {
      if (this.jsonEnabled()) printJson(report)
      else {
        this.problemLines(lines)
        printErr(summary)
      }
      throw new UbmgrError([], 1)
    }
    if (lines.length > 0) this.note(lines.join('\n'))
    this.say(summary)
    return report
  }
}
