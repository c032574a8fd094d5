// <qemu:commandline>: extra QEMU arguments, the only way stock libvirt can start UB devices.
import {QEMU_PREFIX} from '../namespaces.js'
import {attr, el, elements, type XmlElement} from '../tree.js'

export const qemuCommandline = (args: string[]): XmlElement =>
  el(`${QEMU_PREFIX}commandline`, {}, args.map((value) => el(`${QEMU_PREFIX}arg`, {value})))

export const qemuArgs = (e: XmlElement): string[] =>
  elements(e, `${QEMU_PREFIX}arg`).map((a) => attr(a, 'value') ?? '')
