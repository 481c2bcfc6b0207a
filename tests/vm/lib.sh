# Shared helpers for the real-kernel tier (sourced, not run).
# Everything built here lives outside the clone, so fresh CI clones reuse it.

vm_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vm_repo=$(cd "$vm_here/../.." && pwd)
vm_cache=${IOMMU_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iommu-interop}

vm_log() { echo "vm: $*" >&2; }
vm_die() { echo "vm: error: $*" >&2; exit "${VM_DIE_CODE:-125}"; }

# Install missing Debian packages (no-op when all are present). A failure names
# the packages, because the usual cause is an offline machine or no root.
vm_ensure_debs() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
  vm_log "installing Debian packages: ${missing[*]}"
  if ! { "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
         "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2; then
    vm_die "could not install the Debian package(s) ${missing[*]}; install them (apt-get install ${missing[*]}) and retry"
  fi
}

# The pinned QEMU (tests/vm/install-qemu.sh installs it from bookworm-backports; run-in-vm
# refuses any other version): upstream version as `--version` prints it, and the Debian version.
vm_qemu_upstream=10.0.2
vm_qemu_deb_version='1:10.0.2+ds-2+deb13u1~bpo12+1'

vm_sha256() { sha256sum "$1" | cut -d' ' -f1; }

# The builders' only option, --arch (default x86_64): sets vm_arch and its profile.
vm_builder_args() {
  vm_arch=x86_64
  while [ $# -gt 0 ]; do
    case "$1" in
      --arch) vm_arch=$2; shift 2 ;;
      *) vm_die "$(basename "$0"): unknown argument $1" ;;
    esac
  done
  vm_arch_profile "$vm_arch"
}

# Per-architecture facts: x86_64 (emulated VT-d, the host's own root) and aarch64
# (virt with SMMUv3, a cross-built kernel, its own root from pinned arm64 debs).
vm_arch_profile() {
  vm_cross="" vm_own_root=0
  case "$1" in
    x86_64)
      vm_karch=x86_64
      vm_kimage=arch/x86/boot/bzImage
      vm_kimage_name=bzImage
      vm_qemu=qemu-system-x86_64
      vm_console=ttyS0
      vm_machine=(-machine q35,kernel-irqchip=split)   # + the vIOMMU: vm_vtd_device
      vm_kernel_args="intel_iommu=on"
      vm_fragment="$vm_here/iommufd.config"
      vm_busybox_deb=busybox-static
      vm_busybox=/bin/busybox
      ;;
    aarch64)
      vm_karch=arm64
      vm_cross=aarch64-linux-gnu-
      vm_cross_deb=gcc-aarch64-linux-gnu
      vm_kimage=arch/arm64/boot/Image
      vm_kimage_name=Image
      vm_qemu=qemu-system-aarch64
      vm_console=ttyAMA0
      vm_machine=(-machine virt,iommu=smmuv3,gic-version=3)
      vm_kernel_args=""
      vm_fragment="$vm_here/iommufd-arm64.config"
      # The guest's root: pinned arm64 debs (headers/packages.lock), unpacked by build-arm64-root.sh.
      vm_own_root=1
      vm_root_debs=(busybox-static libc6 libgcc-s1 libstdc++6 zlib1g libssl3)
      ;;
    *) vm_die "architecture '$1' is not supported (supported: x86_64, aarch64)" ;;
  esac
}

# The emulated VT-d of the x86 guest (QEMU 10): MODE legacy | scalable (x-scalable-mode=on) |
# scalable-flts (+ x-flts=on: first-stage tables), AW_BITS 39 | 48, FS1GP on | off (first-stage 1 GiB
# pages; QEMU's default is on, CAP.FS1GP shows only with x-flts). Sets vm_vtd_device and the
# kernel arguments the mode needs (scalable mode is used only with intel_iommu=sm_on).
vm_vtd_mode() {
  local dev=intel-iommu,intremap=on
  case "$1" in
    legacy) vm_kernel_args="intel_iommu=on" ;;
    scalable) dev+=,x-scalable-mode=on; vm_kernel_args="intel_iommu=on,sm_on" ;;
    scalable-flts) dev+=,x-scalable-mode=on,x-flts=on; vm_kernel_args="intel_iommu=on,sm_on" ;;
    *) vm_die "--vtd $1: unknown VT-d mode (legacy, scalable, scalable-flts)" ;;
  esac
  case "$2" in 39|48) ;; *) vm_die "--aw-bits $2: QEMU's VT-d takes 39 or 48" ;; esac
  case "${3:-on}" in on|off) ;; *) vm_die "--fs1gp $3: on or off" ;; esac
  vm_vtd_device="$dev,aw-bits=$2,fs1gp=${3:-on}"
}
