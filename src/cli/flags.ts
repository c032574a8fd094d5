// Flags and helpers the lifecycle verbs share: the connection URI, and domain names from stdin ("-").
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

export const connectFlag = Flags.string({
  char: 'c',
  summary: 'Connection URI: sim:///NAME (embedded simulator) or a libvirt URI such as qemu:///system or qemu+ssh://host/system.',
  description: 'Default: $UBMGR_DEFAULT_URI, else $LIBVIRT_DEFAULT_URI, else sim:///default. May also come before the command, as in virsh: ubmgr -c URI list.',
  helpGroup: 'GLOBAL',
})

export const targetFlag = Flags.string({
  summary: 'XML form sent to libvirt: openeuler (openEuler’s UB-aware libvirt) or upstream (stock libvirt).',
  description: 'Default: detected — openeuler where the libvirt understands UB (domain capabilities, else a validating probe), upstream elsewhere. Not used on sim://.',
  options: ['ubmgr', 'openeuler', 'upstream'],
})

/** dumpxml renders stored XML again only when asked: its default differs from define's. */
export const dumpxmlTargetFlag = Flags.string({
  summary: 'XML form to print: ubmgr, openeuler or upstream.',
  description: 'Default: ubmgr on sim://; on libvirt, libvirt’s own XML as it stores it (no --target means no re-rendering).',
  options: ['ubmgr', 'openeuler', 'upstream'],
})

export const nameArg = Args.string({name: 'name', description: 'domain name, or - to read names from stdin (one per line)', required: true})

/** Domain names from stdin ("-"): one per line, at most 1 MiB of them. */
const MAX_NAME_LIST_BYTES = 1024 * 1024

/** The names to act on: the argument, or one per line from stdin when it is "-". */
export async function domainNames(arg: string): Promise<string[]> {
  if (arg !== '-') return [arg]
  const {readInput} = await import('../ground/input.js')
  const text = (await readInput('-', {maxBytes: MAX_NAME_LIST_BYTES, what: 'a list of domain names'})).toString('utf8')
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '')
}
