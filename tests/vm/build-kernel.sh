#!/usr/bin/env bash
# Build (or take from the cache) the guest kernel and print its path.
#
#   tests/vm/build-kernel.sh [--arch x86_64|aarch64]
#
# Cache: $cache/kernel/<key>/{bzImage,bzImage.sha256,config,inputs}, where the key
# hashes the pinned linux-source package (version + sha256 from headers/packages.lock),
# the config fragment and the architecture. A cached image whose sha256 no longer
# matches is rebuilt, never booted.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

vm_builder_args "$@"
arch=$vm_arch

src_pkg=linux-source-7.3
lock="$vm_repo/headers/packages.lock"
read -r src_version src_sha < <(awk -v n="$src_pkg" '!/^#/ && $1==n {print $2, $4; exit}' "$lock") ||
  vm_die "$src_pkg is not pinned in $lock"
frag_sha=$(vm_sha256 "$vm_fragment")
inputs="source=$src_pkg $src_version sha256=$src_sha fragment=$frag_sha arch=$arch"
key=$(printf '%s\n' "$inputs" | sha256sum | cut -c1-16)
dir="$vm_cache/kernel/$arch-$key"
image="$dir/$vm_kimage_name"
mkdir -p "$dir"

cached_ok() { [ -f "$image" ] && [ -f "$image.sha256" ] && [ "$(vm_sha256 "$image")" = "$(cat "$image.sha256")" ]; }

# One builder per key; a second caller waits and then finds the image.
exec 9>"$dir/.lock"
flock 9
if cached_ok; then echo "$image"; exit 0; fi
if [ -f "$image" ]; then
  vm_log "cached kernel $image does not match its recorded sha256; rebuilding it"
fi
rm -f "$image" "$image.sha256"

vm_ensure_debs make gcc flex bison bc libelf-dev libssl-dev xz-utils cpio ${vm_cross:+"$vm_cross_deb"}
deb=$("$vm_repo/headers/fetch-package.sh" "$src_pkg") ||
  vm_die "cannot get the kernel sources: Debian package $src_pkg $src_version (see the message above)"

vm_log "building the $arch guest kernel from $src_pkg $src_version (about 8 min on 2 cores)"
start=$SECONDS
build="$dir/build"
rm -rf "$build"; mkdir -p "$build"
# The 1.8 GB tree goes whatever happens; a failed build leaves its .config for a look.
trap '[ -f "$image" ] || cp "$build/.config" "$dir/config.failed" 2>/dev/null; rm -rf "$build"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$src_pkg.tar.xz" | tar -xJ -C "$build" --strip-components=1
cd "$build"
mk=(make -s ARCH="$vm_karch" ${vm_cross:+CROSS_COMPILE="$vm_cross"})
"${mk[@]}" tinyconfig >&2
scripts/kconfig/merge_config.sh -m .config "$vm_fragment" >/dev/null
"${mk[@]}" olddefconfig >&2
# olddefconfig silently drops options whose dependencies are unmet: refuse that.
lost=()
while IFS= read -r opt; do grep -qx "$opt" .config || lost+=("$opt"); done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=y$' "$vm_fragment")
[ ${#lost[@]} -eq 0 ] || vm_die "kernel config lost fragment option(s) after olddefconfig: ${lost[*]}"
"${mk[@]}" -j"$(( $(nproc) + 1 ))" "$vm_kimage_name" >&2

cp "$vm_kimage" "$image.new"
cp .config "$dir/config"
vm_sha256 "$image.new" >"$image.sha256"
mv "$image.new" "$image"
printf '%s\n' "$inputs" >"$dir/inputs"
rm -f "$dir/config.failed"
vm_log "kernel built in $(( SECONDS - start )) s: $image"
echo "$image"
