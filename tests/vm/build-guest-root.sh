#!/usr/bin/env bash
# Build (or take from the cache) the root directory of a guest that cannot use the
# host's root (aarch64: the host's binaries are x86) and print its path.
#
#   tests/vm/build-guest-root.sh --arch aarch64
#
# Contents: the architecture's pinned Debian packages (vm_root_debs in lib.sh, versions
# and sha256 in headers/packages.lock, fetched by headers/fetch-package.sh) unpacked
# with dpkg-deb -x, plus empty mount points. Cached (vm_cached in lib.sh) in
# $cache/root/<arch>-<key>/root, keyed by the pinned lines and this script.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

vm_builder_args "$@"
arch=$vm_arch
[ "$vm_own_root" = 1 ] || vm_die "the $arch guest uses the host's root: no guest root to build"
lock="$vm_repo/headers/packages.lock"

pins=()
for p in "${vm_root_debs[@]}"; do
  line=$(awk -v n="$p" -v a="$vm_karch" '!/^#/ && $1==n && $3==a {print; exit}' "$lock")
  [ -n "$line" ] || vm_die "$p ($vm_karch) is not pinned in $lock: add 'name version $vm_karch sha256 suite'"
  pins+=("$line")
done

build() {
  local root=$1 line name version deb i=0
  mkdir -p "$root"
  for line in "${pins[@]}"; do
    read -r name version _ <<<"$line"
    i=$((i + 1))
    deb=$("$vm_repo/headers/fetch-package.sh" "$name" "$version") ||
      vm_die "cannot get the $arch guest package $name $version (see the message above)"
    step_run "unpacking package $i of ${#pins[@]}: $name $version" "$vm_build_log" "" -- dpkg-deb -x "$deb" "$root"
  done
  mkdir -p "$root"/{bin,proc,sys,dev,tmp,var/tmp,run,etc}
  [ -x "$root/bin/busybox" ] || vm_die "busybox-static ($vm_karch) did not provide bin/busybox"
  echo "root:x:0:0:root:/tmp/home:/bin/sh" >"$root/etc/passwd"
  vm_built="${#pins[@]} packages"
}

vm_cached root root "arch=$arch builder=$(vm_sha256 "$0") $(printf '%s;' "${pins[@]}")" build
