#!/usr/bin/env bash
# Install and configure libvirtd + QEMU (TCG, aarch64 guests) for the real-libvirt lifecycle tests, following
# the recipe in libvirt 9.0 as measured: no systemd in the container, so the tests start libvirtd and virtlogd
# by hand and stop them after. Idempotent; needs root (CI runs as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=()
[ -x /usr/sbin/libvirtd ] || pkgs+=(libvirt-daemon)
dpkg -s libvirt-daemon-driver-qemu >/dev/null 2>&1 || pkgs+=(libvirt-daemon-driver-qemu)
command -v qemu-system-aarch64 >/dev/null || pkgs+=(qemu-system-arm)
[ -f /usr/share/AAVMF/AAVMF_CODE.fd ] || pkgs+=(qemu-efi-aarch64)
if [ ${#pkgs[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${pkgs[@]}"
fi

# libvirtd's QEMU driver refuses to start without this user ("Failed to parse user 'libvirt-qemu'").
getent group kvm >/dev/null || groupadd -r kvm
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null || useradd -r -g kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu

mkdir -p /etc/libvirt /var/run/libvirt /var/log/libvirt /var/lib/libvirt/images /var/cache/libvirt
printf 'user = "root"\ngroup = "root"\ndynamic_ownership = 0\nsecurity_driver = "none"\n' > /etc/libvirt/qemu.conf
echo "libvirt-setup: libvirtd $(/usr/sbin/libvirtd --version | awk '{print $NF}'), $(qemu-system-aarch64 --version | head -1)"
