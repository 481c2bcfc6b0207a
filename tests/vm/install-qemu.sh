#!/usr/bin/env bash
# Install the pinned QEMU (qemu-system-x86 and qemu-system-arm from bookworm-backports)
# unless `qemu-system-<arch> --version` already reports the pinned upstream version.
#
#   tests/vm/install-qemu.sh                  # no-op when the pinned QEMU is installed
#   tests/vm/install-qemu.sh --check [DEBVER]  # only check that DEBVER (default: the pin) is still served
#
# Uses a private apt configuration under the cache listing bookworm, bookworm-updates,
# bookworm-security and bookworm-backports (the system's sources and lists are never
# touched) and `apt-get -t bookworm-backports install NAME=VERSION`. The pin lives in
# lib.sh (vm_qemu_upstream, vm_qemu_deb_version). Exit: 0 ok, 125 with a message naming
# the package and version otherwise.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

debs=(qemu-system-x86 qemu-system-arm)
bins=(qemu-system-x86_64 qemu-system-aarch64)

installed_ok() {
  local b
  for b in "${bins[@]}"; do
    command -v "$b" >/dev/null && "$b" --version | head -1 | grep -qF "version $vm_qemu_upstream " || return 1
  done
}
check_only=0 want=$vm_qemu_deb_version
if [ "${1:-}" = --check ]; then check_only=1 want=${2:-$vm_qemu_deb_version}; fi
[ "$check_only" = 1 ] || ! installed_ok || exit 0

apt_dir="$vm_cache/apt/bookworm-qemu"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
cat >"$apt_dir/sources.list" <<SRC
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
deb http://deb.debian.org/debian bookworm-backports main
SRC
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o Dir::Cache::pkgcache=
          -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
# A check needs no root: the private lists are only read, without apt's lock.
[ "$check_only" = 0 ] || { sudo=(); apt_opts+=(-o Debug::NoLocking=1); }

[ "$check_only" = 1 ] || vm_log "installing QEMU $vm_qemu_upstream (${debs[*]} $want from bookworm-backports)"
"${sudo[@]}" apt-get "${apt_opts[@]}" -qq update >&2 ||
  vm_die "apt-get update of the private bookworm(-backports) lists in $apt_dir failed (network? root?)"
for d in "${debs[@]}"; do
  served=$(apt-cache "${apt_opts[@]}" madison "$d" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -uV)
  grep -qxF -- "$want" <<<"$served" ||
    vm_die "$d $want (pinned in tests/vm/lib.sh) is no longer served by bookworm(-backports); newest served: $(tail -1 <<<"$served"). Update vm_qemu_deb_version/vm_qemu_upstream and re-run tests/vm/tier.sh"
done
if [ "$check_only" = 1 ]; then vm_log "${debs[*]} $want: served"; exit 0; fi
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get "${apt_opts[@]}" -y -qq --no-install-recommends \
  -t bookworm-backports install "${debs[@]/%/=$vm_qemu_deb_version}" >&2 ||
  vm_die "could not install ${debs[*]/%/=$vm_qemu_deb_version} from bookworm-backports"
installed_ok || vm_die "after installing, '${bins[0]} --version' does not report QEMU $vm_qemu_upstream: $("${bins[0]}" --version | head -1)"
vm_log "QEMU $vm_qemu_upstream installed"
