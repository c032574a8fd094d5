import {UbmgrCommand} from '../cli/command.js'
import {connectFlag, nameArg} from '../cli/flags.js'
import {UbmgrError} from '../ground/errors.js'

export default class Edit extends UbmgrCommand {
  static override summary = 'Edit a domain’s definition in $VISUAL or $EDITOR, validated before it is saved'
  static override description =
    'As virsh edit, but on the UB VM definition (YAML): ubmgr writes the persistent definition to a temp file, runs ' +
    '$VISUAL, else $EDITOR, else vi on it (the variable is split on spaces into a program and its arguments; no shell), ' +
    'then validates the result and defines it. Unchanged: "Domain \'NAME\' XML configuration not changed." Invalid: ' +
    'the problems at FILE:LINE:COL, nothing changes, and the edited file is kept for another try (ubmgr never prompts).'
  static override examples = ['<%= config.bin %> edit vm1', 'EDITOR=nano <%= config.bin %> edit vm1']
  static override args = {name: nameArg}
  static override flags = {connect: connectFlag}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Edit)
    const [{openBackend}, {editDefinition}] = await Promise.all([import('../backends/index.js'), import('../cli/edit.js')])
    const backend = await openBackend(flags.connect)
    if (args.name === '-') throw new UbmgrError('error: edit takes one domain name, not names from stdin')
    const outcome = await editDefinition(backend, args.name, (file) => {
      this.inputFile = file
    })
    this.say(outcome.changed ? `Domain '${args.name}' XML configuration edited.` : `Domain '${args.name}' XML configuration not changed.`)
    return {name: args.name, changed: outcome.changed}
  }
}
