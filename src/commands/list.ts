import * as Flags from '@oclif/core/flags'

import {UbmgrCommand} from '../cli/command.js'
import {UbmgrError} from '../ground/errors.js'
import {printErr, printOut} from '../cli/output.js'
import {connectFlag} from '../cli/flags.js'

export default class List extends UbmgrCommand {
  static override summary = 'List domains'
  static override description =
    'As virsh list: without --all only running domains, --inactive only the others; running ones first by id, then the rest by name. --json prints an array of {name, uuid, state, id}.'
  static override examples = ['<%= config.bin %> list --all', '<%= config.bin %> list --all --name', '<%= config.bin %> list --inactive --uuid', '<%= config.bin %> list --all --json']
  static override flags = {
    connect: connectFlag,
    all: Flags.boolean({summary: 'include inactive domains', exclusive: ['inactive']}),
    inactive: Flags.boolean({summary: 'only inactive domains'}),
    name: Flags.boolean({summary: 'print names only, one per line', exclusive: ['uuid']}),
    uuid: Flags.boolean({summary: 'print UUIDs only, one per line'}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(List)
    const {openBackend} = await import('../backends/index.js')
    const listed = await (await openBackend(flags.connect)).list({all: flags.all || flags.inactive})
    const damaged = listed.damaged
    // virsh's order: running (and paused) domains by id, then inactive ones by name
    const domains = listed.domains
      .filter((d) => !flags.inactive || d.state === 'shut off')
      .sort((a, b) => (a.id ?? Infinity) - (b.id ?? Infinity) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    if (flags.name) this.data(domains.map((d) => d.name).join('\n'))
    else if (flags.uuid) this.data(domains.map((d) => d.uuid).join('\n'))
    else if (!this.jsonEnabled()) {
      const w = domains.reduce((n, d) => Math.max(n, d.name.length), 4)
      const rows = domains.map((d) => ` ${String(d.id ?? '-').padEnd(4)} ${d.name.padEnd(w)}   ${d.state}`)
      // -q: the rows without the header and separator, as virsh -q list.
      printOut((this.quiet ? rows : [` Id   ${'Name'.padEnd(w)}   State`, '-'.repeat(w + 18), ...rows]).join('\n'))
    }
    // the good domains are listed; each damaged record is one line, and the exit status says something is wrong
    if (damaged.length > 0) {
      if (!this.jsonEnabled()) throw new UbmgrError(damaged)
      printOut(JSON.stringify(domains))
      printErr(damaged.join('\n'))
      throw new UbmgrError([], 1)
    }
    return domains
  }
}
