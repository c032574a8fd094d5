#!/usr/bin/env bash
# The system packages the tests use, installed with apt when missing (idempotent; needs root):
#   libvirt-clients   virsh and virt-xml-validate judge the XML ubmgr renders
#   libxml2-utils     xmllint validates against libvirt's RELAX NG schemas and ubmgr's overlays
#   etcd-server       a real etcd for the shared pool (tests start their own members on free loopback ports)
#   libvirt-daemon, libvirt-daemon-driver-qemu, qemu-system-arm, qemu-efi-aarch64
#                     a private libvirtd with QEMU for the real-libvirt life-cycle tests (.ci/libvirt-setup.sh)
# Used by .ci/run, and by `npm test` itself when it runs as root and something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need_apt=()
command -v virsh >/dev/null || need_apt+=(libvirt-clients)
command -v xmllint >/dev/null || need_apt+=(libxml2-utils)
# zsh: the completion test completes real command lines in zsh (without it only the script is checked)
command -v zsh >/dev/null || need_apt+=(zsh)
# the package's postinst may try to start the packaged etcd service: harmless without systemd, and the tests
# never use its port 2379
[ -x /usr/bin/etcd ] || need_apt+=(etcd-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q "${need_apt[@]}"
fi
.ci/libvirt-setup.sh
