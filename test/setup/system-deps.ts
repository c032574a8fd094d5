// vitest globalSetup: the system programs the tests drive for real. Missing ones are installed by the same
// script CI uses when the tests run as root; otherwise the run stops at once with the exact command to run,
// instead of dozens of failures far from the cause.
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

const REQUIRED: Array<{program: string; paths: string[]; package: string}> = [
  {program: 'virsh', paths: ['/usr/bin/virsh'], package: 'libvirt-clients'},
  {program: 'virt-xml-validate', paths: ['/usr/bin/virt-xml-validate'], package: 'libvirt-clients'},
  {program: 'xmllint', paths: ['/usr/bin/xmllint'], package: 'libxml2-utils'},
  {program: 'libvirtd', paths: ['/usr/sbin/libvirtd'], package: 'libvirt-daemon libvirt-daemon-driver-qemu'},
  {program: 'qemu-system-aarch64', paths: ['/usr/bin/qemu-system-aarch64'], package: 'qemu-system-arm'},
  {program: 'AAVMF firmware', paths: ['/usr/share/AAVMF/AAVMF_CODE.fd'], package: 'qemu-efi-aarch64'},
  {program: 'etcd', paths: ['/usr/bin/etcd'], package: 'etcd-server'},
]

const missing = () => REQUIRED.filter((r) => !r.paths.some((p) => existsSync(p)))

export default function setup(): void {
  let absent = missing()
  if (absent.length === 0) return
  const script = join(import.meta.dirname, '..', '..', '.ci', 'install-deps.sh')
  if (process.getuid?.() === 0 && process.env.UBMGR_TEST_NO_INSTALL !== '1') {
    process.stderr.write(`npm test: installing what the tests need (${absent.map((a) => a.program).join(', ')}) with ${script}\n`)
    const r = spawnSync(script, [], {stdio: 'inherit'})
    absent = missing()
    if (r.status === 0 && absent.length === 0) return
  }
  const packages = [...new Set(absent.flatMap((a) => a.package.split(' ')))]
  throw new Error(
    `the tests need ${absent.map((a) => a.program).join(', ')}, which this machine lacks: run\n  sudo apt-get install -y ${packages.join(' ')} && sudo .ci/libvirt-setup.sh\n(or, as root, npm test installs them itself with .ci/install-deps.sh)`,
  )
}

