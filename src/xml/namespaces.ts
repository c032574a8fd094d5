/** ubmgr's own namespace: one root element of it in <metadata> (libvirt keeps one element per namespace). */
export const UBMGR_NS = 'urn:ubmgr:ubvm:1'
export const UBMGR_PREFIX = 'ubmgr:'
export const QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0'
export const QEMU_PREFIX = 'qemu:'
