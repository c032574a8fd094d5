
import {UbmgrCommand} from '../cli/command.js'
import {connectFlag} from '../cli/flags.js'
import type {UbCapabilities} from '../backends/types.js'

export default class Capabilities extends UbmgrCommand {
  static override summary = 'What the connection can do with UB devices'
  static override description =
    'Whether the connection understands UB (openEuler’s UB-aware libvirt, or the embedded simulator), the XML ' +
    'form define sends there, UB hot-plug, and live migration (never with vfio-ub devices: QEMU marks them ' +
    'unmigratable). On libvirt the answer comes from its domain capabilities, else from a validating probe ' +
    'that leaves nothing defined.'
  static override examples = ['<%= config.bin %> capabilities', '<%= config.bin %> capabilities -c qemu:///system --json']
  static override flags = {connect: connectFlag}

  async run(): Promise<UbCapabilities> {
    const {flags} = await this.parse(Capabilities)
    const {openBackend} = await import('../backends/index.js')
    const caps = await (await openBackend(flags.connect)).capabilities()
    const rows: Array<[string, string]> = [
      ['URI', caps.uri],
      ['Backend', caps.backend === 'sim' ? 'embedded simulator' : 'libvirt'],
      ['UB-aware', `${caps.ubAware ? 'yes' : 'no'}: ${caps.evidence}`],
      ['Define target', caps.target],
      ['UB hot-plug', `${caps.hotplug.ub}: ${caps.hotplug.reason}`],
      ['Live migration with UB devices', `${caps.liveMigration.withUbDevices}: ${caps.liveMigration.reason}`],
    ]
    const width = rows.reduce((n, [k]) => Math.max(n, k.length), 0) + 1
    for (const [k, v] of rows) this.data(`${`${k}:`.padEnd(width)} ${v}`)
    return caps
  }
}
