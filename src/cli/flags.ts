// Flags and helpers the lifecycle verbs share: the connection URI, and domain names from stdin ("-").
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

export const connectFlag = Flags.string({
  char: 'c',
  summary: 'Connection URI: sim:///NAME (embedded simulator) or a libvirt URI such as qemu:///system or qemu+ssh://host/system.',
  description: 'Default: $UBMGR_DEFAULT_URI, else sim:///default.',
  helpGroup: 'GLOBAL',
})

export const targetFlag = Flags.string({
  summary: 'XML form for libvirt: upstream (stock libvirt, default) or openeuler (openEuler’s UB-aware libvirt); for dumpxml also ubmgr.',
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
