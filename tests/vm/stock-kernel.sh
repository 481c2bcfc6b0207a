#!/usr/bin/env bash
# Take one of Debian's own kernel images, unmodified, from its pinned packages (headers/packages.lock) and print the
# path of its boot image. No compile: the image, its config and the modules the guest loads are taken as shipped.
#
#   tests/vm/stock-kernel.sh [--arch x86_64|aarch64] --kernel debian-6.1|debian-6.12|debian-7.3
#
# Product (vm_cached in lib.sh), a directory $cache/kernel/<arch>-<key>/stock/:
#   image        the package's vmlinuz (x86: a bzImage; arm64: an uncompressed Image), as QEMU's -kernel takes it
#   config       the package's kernel config (the guest shows it as /boot/config-RELEASE, where a Debian system has it)
#   release      the kernel release (uname -r)
#   modules/     the modules the guest needs, decompressed (the package has .ko.xz and no modules.dep: depmod runs
#                at install), and modules/load-order: their names, each after the modules it depends on (from each
#                module's own depends= field), for insmod by the initramfs
set -euo pipefail
source "$(dirname "$0")/lib.sh"

vm_builder_args "$@"
[ "$vm_stock" = 1 ] || vm_die "stock-kernel.sh: $vm_kernel is not one of Debian's kernel images (debian-6.1, debian-6.12, debian-7.3)"
lock="$vm_repo/headers/packages.lock"

# What the guest loads: the 9p host share (virtio PCI, where it is a module; filesystem + virtio transport), VFIO with the type1 IOMMU driver and
# vfio-pci, and the NVMe driver (the anchor the NVMe sample is measured against). Dependencies are added.
wanted=(virtio_pci 9p 9pnet_virtio vfio_iommu_type1 vfio-pci nvme)

build() {
  local out=$1 tree=$vm_scratch/tree pkg deb release mods dir name f
  mkdir -p "$tree" "$out/modules"
  for pkg in "${vm_stock_pkgs[@]}"; do
    deb=$("$vm_repo/headers/fetch-package.sh" "$pkg") || vm_die "cannot get $pkg (see the message above)"
    step_run "unpacking $pkg" "$vm_build_log" "" -- dpkg-deb -x "$deb" "$tree"
  done
  release=$vm_stock_release
  # 6.1 and 6.12 keep the image and config in /boot; 7.3's split packages keep them under the modules directory.
  mods=$(find "$tree" -type d -path "*/lib/modules/$release" | head -n 1)
  [ -n "$mods" ] || vm_die "no lib/modules/$release in ${vm_stock_pkgs[*]}"
  cp "$(ls "$tree/boot/vmlinuz-$release" "$mods/vmlinuz" 2>/dev/null | head -n 1)" "$out/image" ||
    vm_die "no vmlinuz for $release in ${vm_stock_pkgs[*]}"
  cp "$(ls "$tree/boot/config-$release" "$mods/config" 2>/dev/null | head -n 1)" "$out/config" ||
    vm_die "no config for $release in ${vm_stock_pkgs[*]}"
  echo "$release" >"$out/release"

  # name -> path of every module the package ships
  declare -A path=()
  while read -r name f; do path[$name]=$f; done < <(find "$mods/kernel" -name '*.ko*' -printf '%f %p\n' |
    awk '{ n = $1; sub(/\.ko.*/, "", n); gsub(/-/, "_", n); print n, $2 }')
  declare -A placed=()
  order=()
  place() {
    local name=$1 file deps dep
    [ -z "${placed[$name]:-}" ] || return 0
    placed[$name]=1
    file=${path[$name]:-}
    if [ -z "$file" ]; then
      # built into this kernel (modules.builtin), or absent: only the former is fine
      grep -q "/${name//_/[-_]}\.ko$" "$mods/modules.builtin" 2>/dev/null && return 0
      vm_die "$release has no module $name (neither shipped in ${vm_stock_pkgs[*]} nor built in)"
    fi
    case "$file" in
      *.ko.xz) xz -dc "$file" >"$out/modules/$name.ko" ;;
      *.ko.zst) zstd -qdc "$file" >"$out/modules/$name.ko" ;;
      *) cp "$file" "$out/modules/$name.ko" ;;
    esac
    deps=$(tr '\0' '\n' <"$out/modules/$name.ko" | sed -n 's/^depends=//p' | head -n 1)
    for dep in ${deps//,/ }; do place "${dep//-/_}"; done
    order+=("$name")
  }
  for dir in "${wanted[@]}"; do place "${dir//-/_}"; done
  printf '%s\n' "${order[@]}" >"$out/modules/load-order"
  vm_built="$release, ${#order[@]} modules: ${order[*]}"
}

inputs="kernel=$vm_kernel arch=$vm_arch wanted=${wanted[*]} builder=$(vm_sha256 "$0")"
for pkg in "${vm_stock_pkgs[@]}"; do
  inputs+=" $(awk -v n="$pkg" '!/^#/ && $1==n {print $1 "=" $2 "@" $4; exit}' "$lock")"
done
stock=$(vm_cached kernel stock "$inputs" build)
echo "$stock/image"
