import {UbmgrError} from '../../ground/errors.js'
import {printErr, printJson} from '../../cli/output.js'
import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolCheck extends PoolCommand {
  static override summary = 'Reconcile the pool ledger with the host and the domains; report every leak'
  static override description =
    'Every held slice must be registered (ENTITY_REG) into an existing bus instance and, when a VM holds it, be that ' +
    'running VM’s device with that GUID; every pooled entity in a dynamic bus instance must be held there; no GUID ' +
    'used twice; no empty dynamic bus instance. Exit 1 when anything disagrees. `store check` runs the same checks ' +
    'with the store’s own. --json: {problems: [{kind, subject, message}], cards, slices, held, busInstances}.'
  static override examples = ['<%= config.bin %> pool check']
  static override flags = PoolCommand.flags

  async run(): Promise<unknown> {
    const {flags} = await this.parse(PoolCheck)
    const {checkText} = await import('../../cli/pool-report.js')
    const report = await (await this.openPool(flags)).check()
    if (report.problems.length > 0) {
      if (this.jsonEnabled()) printJson(report)
      else printErr(checkText(report))
      throw new UbmgrError([], 1)
    }
    this.say(checkText(report))
    return report
  }
}
