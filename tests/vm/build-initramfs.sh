#!/usr/bin/env bash
# Build (or take from the cache) the guest initramfs and print its path.
#
#   tests/vm/build-initramfs.sh [--arch x86_64|aarch64] [--kernel K]
#
# Contents: busybox-static (the host's; aarch64: the guest root's arm64 one) and guest-init.sh as /init;
# for one of Debian's own kernel images (--kernel debian-*) also the modules the guest loads
# (/modules, with their load order) and the image's config (/boot-config), from tests/vm/stock-kernel.sh.
# Cached (vm_cached in lib.sh) in $cache/initramfs/<arch>-<key>/initramfs.gz, keyed by busybox,
# guest-init.sh, the stock kernel's product and this script.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

vm_builder_args "$@"
arch=$vm_arch
if [ "$vm_own_root" = 1 ]; then
  vm_ensure_debs cpio gzip
  vm_busybox="$("$vm_here/build-guest-root.sh" --arch "$arch")/bin/busybox"
else
  vm_ensure_debs "$vm_busybox_deb" cpio gzip
  [ -x "$vm_busybox" ] || vm_die "$vm_busybox missing: install the Debian package $vm_busybox_deb"
fi
init="$vm_here/guest-init.sh"
stock=""
[ "$vm_stock" = 0 ] || stock=$(dirname "$("$vm_here/stock-kernel.sh" "$@")")

build() {
  local stage=$vm_scratch
  mkdir -p "$stage"/{bin,dev,proc,sys,io,host}
  cp "$vm_busybox" "$stage/bin/busybox"
  cp "$init" "$stage/init"
  chmod 755 "$stage/init" "$stage/bin/busybox"
  if [ -n "$stock" ]; then
    cp -r "$stock/modules" "$stage/modules"
    cp "$stock/config" "$stage/boot-config"
  fi
  # /dev/console comes from the kernel's built-in initramfs, so no mknod (and no root) is needed here.
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$1"
}

vm_cached initramfs initramfs.gz \
  "arch=$arch busybox=$(vm_sha256 "$vm_busybox") init=$(vm_sha256 "$init") builder=$(vm_sha256 "$0")${stock:+ stock=$(cat "$stock.sha256")}" build
