# Shared helpers for the real-kernel tier (sourced, not run).
# Everything built here lives in the per-user cache (headers/cache.sh), outside the clone.

vm_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vm_repo=$(cd "$vm_here/../.." && pwd)
source "$vm_repo/headers/cache.sh"
progress_prefix=vm
source "$vm_here/progress.sh"

vm_log() { echo "vm: $*" >&2; }
vm_die() { echo "vm: error: $*" >&2; exit "${VM_DIE_CODE:-125}"; }

# Install missing Debian packages (no-op when all are present). A failure names
# the packages, because the usual cause is an offline machine or no root.
vm_ensure_debs() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=() log="$iommu_cache/logs/apt-install.log" start=$SECONDS
  [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
  mkdir -p "${log%/*}"
  : >"$log"
  if ! { step_run "apt-get update" "$log" apt_status -- "${sudo[@]}" apt-get -o APT::Status-Fd=1 -qq update &&
         step_run "installing ${missing[*]}" "$log" apt_status -- \
           "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o APT::Status-Fd=1 install -y -qq --no-install-recommends "${missing[@]}"; }; then
    vm_die "could not install the Debian package(s) ${missing[*]}; install them (apt-get install ${missing[*]}) and retry"
  fi
  vm_log "installed ${missing[*]} in $(duration $((SECONDS - start)))"
}

# The pinned QEMU (tests/vm/install-qemu.sh installs it from bookworm-backports; run-in-vm
# refuses any other version): upstream version as `--version` prints it, and the Debian version.
vm_qemu_upstream=10.0.2
vm_qemu_deb_version='1:10.0.2+ds-2+deb13u1~bpo12+1'

vm_sha256() { sha256sum "$1" | cut -d' ' -f1; }

# vm_fingerprint PATH: the sha256 of a file; of a directory, the sha256 of its listing (path, type,
# size, mode of every entry), which a half-copied or altered tree does not match.
vm_fingerprint() {
  if [ -d "$1" ]; then (cd "$1" && find . -printf '%P %y %s %m\n' | LC_ALL=C sort) | sha256sum | cut -d' ' -f1
  else vm_sha256 "$1"; fi
}

# vm_cached KIND NAME INPUTS BUILD: the one cache rule for what the guest boots (kernel, initramfs,
# guest root). The entry is $iommu_cache/KIND/ARCH-KEY (KEY: a hash of INPUTS, which name everything
# the product depends on) and the product is NAME inside it, a file or a directory, with its
# fingerprint in NAME.sha256. One builder per entry: a second caller waits on the entry's flock,
# then finds the product. A product whose fingerprint does not match is rebuilt, never used.
# To build, the function BUILD is called as `BUILD STAGE`: it makes STAGE (the product's path +
# .new), may use the empty directory $vm_scratch (removed at exit, whatever happens) and $vm_entry
# (the entry's directory), runs its long steps with step_run and the log $vm_build_log, and may set
# vm_built (a few words for the summary line). Prints the product's path on stdout. With
# vm_query_only=1 (a builder's --cached) it builds nothing: the path when the product is there, else status 1.
vm_cached() {
  local kind=$1 name=$2 inputs=$3 build=$4 key out start
  key=$(printf '%s\n' "$inputs" | sha256sum | cut -c1-16)
  vm_entry="$iommu_cache/$kind/$vm_arch-$key"
  out="$vm_entry/$name"
  if [ "${vm_query_only:-0}" = 1 ]; then vm_product_valid "$out" && echo "$out"; return; fi
  mkdir -p "$vm_entry"
  exec 9>"$vm_entry/.lock"
  flock 9
  if vm_product_valid "$out"; then echo "$out"; return 0; fi
  [ ! -e "$out" ] || vm_log "cached $out does not match its recorded fingerprint; rebuilding it"
  vm_build_log="$vm_entry/build.log" vm_built="" vm_stage="$out.new" vm_scratch="$vm_entry/scratch"
  rm -rf "$out" "$out.sha256" "$vm_stage" "$vm_scratch"
  mkdir "$vm_scratch"
  : >"$vm_build_log"
  trap 'rm -rf "$vm_stage" "$vm_scratch"' EXIT
  start=$SECONDS
  "$build" "$vm_stage"
  vm_fingerprint "$vm_stage" >"$out.sha256.new"
  mv "$vm_stage" "$out"
  mv "$out.sha256.new" "$out.sha256"
  printf '%s\n' "$inputs" >"$vm_entry/inputs"
  vm_log "built the $vm_arch $kind${vm_built:+ ($vm_built)} in $(duration $((SECONDS - start))): $out (log: $vm_build_log)"
  echo "$out"
}

vm_product_valid() {
  [ -e "$1" ] && [ -f "$1.sha256" ] && [ "$(vm_fingerprint "$1")" = "$(cat "$1.sha256")" ]
}

# The builders' options, --arch (default x86_64), --kernel (default 7.3) and --cached (only say whether
# the product is built: its path, or status 1): set vm_arch, vm_kernel, vm_query_only and the profiles.
vm_builder_args() {
  vm_arch=x86_64 vm_kernel=7.3 vm_query_only=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --arch) vm_arch=$2; shift 2 ;;
      --kernel) vm_kernel=$2; shift 2 ;;
      --cached) vm_query_only=1; shift ;;
      *) vm_die "$(basename "$0"): unknown argument $1" ;;
    esac
  done
  vm_arch_profile "$vm_arch"
  vm_kernel_profile "$vm_kernel" "$vm_arch"
}

# Per-kernel facts (after vm_arch_profile). Built here: 7.3 (linux-source-7.3 + our fragment, both
# architectures) and 6.12-iommufd (Debian 13's linux-source-6.12 built WITH iommufd, as distributions that enable it
# build it; x86_64): their pinned source package, config fragment (each one's header says how it differs from
# the 7.3 fragment) and the objects their build compiles (the progress' 100%). Debian's own kernel images,
# unmodified (vm_stock=1, tests/vm/stock-kernel.sh): debian-6.1 (Debian 12, x86_64), debian-6.12 (Debian 13)
# and debian-7.3 (trixie-backports); none of them has iommufd, all have the VFIO type1 container.
vm_kernel_profile() {
  vm_stock=0 vm_stock_pkgs=() vm_stock_release=""
  local deb_arch=amd64
  [ "$2" = x86_64 ] || deb_arch=arm64
  case "$1" in
    7.3) vm_src_pkg=linux-source-7.3; return 0 ;;
    6.12-iommufd)
      [ "$2" = x86_64 ] || vm_die "the $1 guest kernel is built for x86_64 only, not $2"
      vm_src_pkg=linux-source-6.12
      vm_fragment="$vm_here/iommufd-6.12.config"
      vm_kernel_objects=1392 ;;
    debian-6.1)
      [ "$2" = x86_64 ] || vm_die "Debian 12's 6.1 image is used for x86_64 only, not $2"
      vm_stock_release=6.1.0-57-amd64
      vm_stock_pkgs=(linux-image-$vm_stock_release-unsigned) ;;
    debian-6.12)
      vm_stock_release=6.12.117+deb13-$deb_arch
      vm_stock_pkgs=(linux-image-$vm_stock_release-unsigned) ;;
    debian-7.3)
      vm_stock_release=7.3.4+deb13-$deb_arch
      vm_stock_pkgs=(linux-binary-$vm_stock_release linux-modules-$vm_stock_release linux-base-$vm_stock_release) ;;
    *) vm_die "guest kernel '$1' is not supported (built here: 7.3, 6.12-iommufd; Debian's own images: debian-6.1, debian-6.12, debian-7.3)" ;;
  esac
  [ ${#vm_stock_pkgs[@]} -eq 0 ] || vm_stock=1
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
      # Under TCG on a loaded host the boot's IO-APIC timer check can time out and panic ("timer
      # doesn't work through Interrupt-remapped IO-APIC"); QEMU's timer works, so skip the check.
      vm_kernel_args="no_timer_check"   # + the VT-d mode's: vm_vtd_mode
      vm_fragment="$vm_here/iommufd.config"
      # Objects (kbuild's CC/AS lines) a build with this fragment compiles: the 100% of the build's
      # progress. Measured: x86_64 from a build's object files, aarch64 from its build.log.
      vm_kernel_objects=1528
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
      vm_kernel_objects=954
      # The guest's root: pinned arm64 debs (headers/packages.lock), unpacked by build-guest-root.sh.
      vm_own_root=1
      vm_root_debs=(busybox-static libc6 libgcc-s1 libstdc++6 zlib1g libssl3)
      ;;
    *) vm_die "architecture '$1' is not supported (supported: x86_64, aarch64)" ;;
  esac
}

# The emulated VT-d of the x86 guest (QEMU 10): MODE legacy | scalable (x-scalable-mode=on) |
# scalable-flts (+ x-flts=on: first-stage tables), AW_BITS 39 | 48, FS1GP on | off (first-stage 1 GiB
# pages; QEMU's default is on, CAP.FS1GP shows only with x-flts). Sets vm_vtd_device and adds the
# kernel arguments the mode needs (scalable mode is used only with intel_iommu=sm_on).
vm_vtd_mode() {
  local dev=intel-iommu,intremap=on
  case "$1" in
    legacy) vm_kernel_args+=" intel_iommu=on" ;;
    scalable) dev+=,x-scalable-mode=on; vm_kernel_args+=" intel_iommu=on,sm_on" ;;
    scalable-flts) dev+=,x-scalable-mode=on,x-flts=on; vm_kernel_args+=" intel_iommu=on,sm_on" ;;
    *) vm_die "--vtd $1: unknown VT-d mode (legacy, scalable, scalable-flts)" ;;
  esac
  case "$2" in 39|48) ;; *) vm_die "--aw-bits $2: QEMU's VT-d takes 39 or 48" ;; esac
  case "${3:-on}" in on|off) ;; *) vm_die "--fs1gp $3: on or off" ;; esac
  vm_vtd_device="$dev,aw-bits=$2,fs1gp=${3:-on}"
}
