#!/usr/bin/env bash
# Build (or take from the cache) the root directory of a guest that cannot use the
# host's root (aarch64: the host's binaries are x86) and print its path.
#
#   tests/vm/build-guest-root.sh --arch aarch64
#
# Contents: the architecture's pinned Debian packages (vm_root_debs in lib.sh, versions
# and sha256 in headers/packages.lock, fetched by headers/fetch-package.sh) unpacked
# with dpkg-deb -x, plus empty mount points. Cached in $cache/root/<arch>-<key>/root,
# keyed by the pinned lines and this script; a complete root has a .done marker.
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
inputs="arch=$arch builder=$(vm_sha256 "$0") $(printf '%s;' "${pins[@]}")"
key=$(printf '%s\n' "$inputs" | sha256sum | cut -c1-16)
dir="$vm_cache/root/$arch-$key"
root="$dir/root"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ -f "$dir/.done" ]; then echo "$root"; exit 0; fi

rm -rf "$root" "$root.new"
trap 'rm -rf "$root.new"' EXIT
mkdir -p "$root.new"
for line in "${pins[@]}"; do
  read -r name version _ <<<"$line"
  deb=$("$vm_repo/headers/fetch-package.sh" "$name" "$version") ||
    vm_die "cannot get the $arch guest package $name $version (see the message above)"
  dpkg-deb -x "$deb" "$root.new"
done
mkdir -p "$root.new"/{bin,proc,sys,dev,tmp,var/tmp,run,etc}
[ -x "$root.new/bin/busybox" ] || vm_die "busybox-static ($vm_karch) did not provide bin/busybox"
echo "root:x:0:0:root:/tmp/home:/bin/sh" >"$root.new/etc/passwd"
mv "$root.new" "$root"
printf '%s\n' "$inputs" >"$dir/inputs"
touch "$dir/.done"
echo "$root"
