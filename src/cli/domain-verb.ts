// start, shutdown, destroy, undefine, suspend, resume, reboot, reset: a backend verb on one domain or on names from stdin, and virsh's line.
import {UbmgrCommand} from './command.js'
import {connectFlag, nameArg} from './flags.js'

export abstract class DomainVerbCommand extends UbmgrCommand {
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag}

  protected abstract readonly verb: 'start' | 'shutdown' | 'destroy' | 'undefine' | 'suspend' | 'resume' | 'reboot' | 'reset'
  /** What virsh says after the name: "started", "destroyed", … */
  protected abstract readonly done: string
  /** The state the verb leaves the domain in (in --json), when it always leaves the same one. */
  protected readonly leaves?: 'running' | 'shut off' | 'paused'

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(this.constructor as typeof DomainVerbCommand)
    const {forEachDomain} = await import('./each-domain.js')
    return forEachDomain(args.name, flags.connect, async (backend, name) => {
      const result = await backend[this.verb](name)
      this.say(`Domain '${name}' ${this.done}`)
      return this.leaves ? {...result, state: this.leaves} : result
    }, {json: this.jsonEnabled()})
  }
}
