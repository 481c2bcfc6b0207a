#!/usr/bin/env bash
# Build (or take from the cache) the guest kernel and print its path.
#
#   tests/vm/build-kernel.sh [--arch x86_64|aarch64] [--kernel 7.3|6.12-iommufd|debian-6.1|debian-6.12|debian-7.3] [--cached]
#
# --cached builds nothing: prints the cached kernel's path, or exits 1 when it is not built yet.
#
# --kernel chooses the guest kernel (default 7.3; 6.12-iommufd: Debian 13's source built with iommufd, x86_64):
# its pinned linux-source-X package and config fragment (vm_kernel_profile in lib.sh). Debian's own
# images (debian-*) are handed to tests/vm/stock-kernel.sh, which takes them as shipped.
# Cache (vm_cached in lib.sh): $cache/kernel/<arch>-<key>/{bzImage|Image,…sha256,config,inputs,build.log},
# where the key hashes the pinned linux-source package (version + sha256 from headers/packages.lock),
# the config fragment and the architecture. A cold build shows its progress (sources, configuration,
# objects compiled out of the count a build of this configuration had) and takes 6–12 min on 2 cores.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

vm_builder_args "$@"
# Debian's own images are taken as shipped, not built.
[ "$vm_stock" = 0 ] || exec "$vm_here/stock-kernel.sh" "$@"
arch=$vm_arch

src_pkg=$vm_src_pkg
lock="$vm_repo/headers/packages.lock"
read -r src_version src_sha < <(awk -v n="$src_pkg" '!/^#/ && $1==n {print $2, $4; exit}' "$lock") ||
  vm_die "$src_pkg is not pinned in $lock"
progress_prefix="vm: $arch $vm_kernel kernel"

# Progress of the unpacking: bytes of the source tarball through dd, out of the tarball's size.
unpack_status() {
  local bytes
  bytes=$(tail -c 300 "$1" | tr '\r' '\n' | sed -n 's/^\([0-9]*\) bytes.*/\1/p' | tail -n 1)
  [ -z "$bytes" ] || echo "$((bytes >> 20)) MB of ~$((tarball_bytes >> 20)) MB ($((bytes * 100 / tarball_bytes))%)"
}

# Progress of the compilation: the current make phase and the objects compiled (kbuild's CC and AS
# lines) out of the count a build of this configuration had (vm_kernel_objects).
compile_status() {
  local done phase
  done=$(grep -cE '^  (CC|AS) ' "$1" || true)
  phase=$(grep -E '^  [A-Z0-9_]+ ' "$1" | tail -n 1 | awk '{print $1 " " $2}')
  echo "objects $(percent "$done" "$vm_kernel_objects")${phase:+, $phase}"
}

build() {
  local image=$1 deb mk tree=$vm_scratch lost=() opt
  vm_ensure_debs make gcc flex bison bc libelf-dev libssl-dev xz-utils cpio ${vm_cross:+"$vm_cross_deb"}
  deb=$("$vm_repo/headers/fetch-package.sh" "$src_pkg") ||
    vm_die "cannot get the kernel sources: Debian package $src_pkg $src_version (see the message above)"
  # Debian's linux-source-X.Y is one tarball, so its installed size is the tarball's.
  tarball_bytes=$(( $(dpkg-deb -f "$deb" Installed-Size) * 1024 ))
  step_run "unpacking $src_pkg $src_version" "$vm_build_log" unpack_status -- bash -c \
    'set -o pipefail; dpkg-deb --fsys-tarfile "$1" | tar -xO "./usr/src/$2.tar.xz" | dd bs=1M status=progress | tar -xJ -C "$3" --strip-components=1' \
    _ "$deb" "$src_pkg" "$tree"
  cd "$tree"
  mk=(make ARCH="$vm_karch" ${vm_cross:+CROSS_COMPILE="$vm_cross"})
  step_run "configuring (tinyconfig + $(basename "$vm_fragment"))" "$vm_build_log" "" -- bash -c \
    '"${@:2}" tinyconfig && scripts/kconfig/merge_config.sh -m .config "$1" && "${@:2}" olddefconfig' \
    _ "$vm_fragment" "${mk[@]}"
  # Kept beside the image (and after a failure, for a look at what was built).
  cp .config "$vm_entry/config"
  # olddefconfig silently drops options whose dependencies are unmet: refuse that.
  while IFS= read -r opt; do grep -qx "$opt" .config || lost+=("$opt"); done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=y$' "$vm_fragment")
  [ ${#lost[@]} -eq 0 ] || vm_die "kernel config lost fragment option(s) after olddefconfig: ${lost[*]}"
  step_run "compiling $vm_kimage_name" "$vm_build_log" compile_status -- \
    "${mk[@]}" -j"$(( $(nproc) + 1 ))" "$vm_kimage_name"
  cp "$vm_kimage" "$image"
  vm_built="$src_pkg $src_version, $(grep -cE '^  (CC|AS) ' "$vm_build_log") objects"
}

frag_sha=$(vm_sha256 "$vm_fragment")
vm_cached kernel "$vm_kimage_name" "source=$src_pkg $src_version sha256=$src_sha fragment=$frag_sha arch=$arch" build
