// libvirt's dump order (src/conf/domain_conf.c virDomainDefFormat; libvirt-go-xml keeps the same order in
// its Domain and DomainDeviceList structs). Rendering places every element, modelled or kept verbatim,
// by these tables, so output order never depends on input order. Hypervisor namespaces come last.

export const DOMAIN_ORDER = [
  'name', 'uuid', 'genid', 'title', 'description', 'metadata', 'maxMemory', 'memory', 'currentMemory',
  'blkiotune', 'memtune', 'memoryBacking', 'vcpu', 'vcpus',
  // openEuler's UB-aware libvirt formats <iommufds> right after <vcpu> (qemuxml2xmloutdata/ub-hostdev).
  'iommufds',
  'iothreads', 'iothreadids', 'defaultiothread',
  'cputune', 'numatune', 'resource', 'sysinfo', 'bootloader', 'bootloader_args', 'os', 'idmap', 'features',
  'cpu', 'clock', 'on_poweroff', 'on_reboot', 'on_crash', 'on_lockfailure', 'pm', 'perf',
  'devices', 'seclabel', 'keywrap', 'launchSecurity',
  'qemu:commandline', 'qemu:capabilities', 'qemu:deprecation', 'qemu:override',
]

export const DEVICE_ORDER = [
  'emulator', 'disk', 'controller', 'lease', 'filesystem', 'interface', 'smartcard', 'serial', 'parallel',
  'console', 'channel', 'input', 'tpm', 'graphics', 'sound', 'audio', 'video', 'hostdev',
  // ubmgr's own elements (target ubmgr only) sit with the host devices.
  'ub-controller', 'ub-device', 'fusion-device',
  'redirdev', 'redirfilter', 'hub', 'watchdog', 'memballoon', 'rng', 'nvram', 'panic', 'shmem', 'memory',
  'iommu', 'vsock', 'crypto', 'pstore',
]

/** Stable sort by a table; names not in it keep their relative order after the known ones. */
export function sortByOrder<T>(items: T[], nameOf: (t: T) => string, table: string[]): T[] {
  const rank = (t: T) => {
    const i = table.indexOf(nameOf(t))
    return i === -1 ? table.length : i
  }
  return items.map((t, i) => ({t, i})).sort((a, b) => rank(a.t) - rank(b.t) || a.i - b.i).map((x) => x.t)
}
