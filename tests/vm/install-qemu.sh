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

private_apt bookworm-qemu "" "deb http://deb.debian.org/debian bookworm main" \
  "deb http://deb.debian.org/debian bookworm-updates main" \
  "deb http://deb.debian.org/debian-security bookworm-security main" \
  "deb http://deb.debian.org/debian bookworm-backports main"
sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
# A check needs no root: the private lists are only read, without apt's lock.
[ "$check_only" = 0 ] || { sudo=(); apt_opts+=(-o Debug::NoLocking=1); }
log="$apt_dir/install-qemu.log"
: >"$log"
progress_prefix="vm: QEMU $vm_qemu_upstream"
start=$SECONDS

step_run "apt-get update of the private bookworm(-backports) lists" "$log" apt_status -- \
  "${sudo[@]}" apt-get "${apt_opts[@]}" -o APT::Status-Fd=1 -qq update ||
  vm_die "apt-get update of the private bookworm(-backports) lists in $apt_dir failed (network? root?)"
for d in "${debs[@]}"; do
  served=$(apt-cache "${apt_opts[@]}" madison "$d" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -uV)
  grep -qxF -- "$want" <<<"$served" ||
    vm_die "$d $want (pinned in tests/vm/lib.sh) is no longer served by bookworm(-backports); newest served: $(tail -1 <<<"$served"). Update vm_qemu_deb_version/vm_qemu_upstream and re-run tests/vm/tier.sh"
done
if [ "$check_only" = 1 ]; then vm_log "${debs[*]} $want: served"; exit 0; fi
step_run "installing ${debs[*]} $want from bookworm-backports" "$log" apt_status -- \
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" -o APT::Status-Fd=1 -y -qq \
  --no-install-recommends -t bookworm-backports install "${debs[@]/%/=$vm_qemu_deb_version}" ||
  vm_die "could not install ${debs[*]/%/=$vm_qemu_deb_version} from bookworm-backports"
installed_ok || vm_die "after installing, '${bins[0]} --version' does not report QEMU $vm_qemu_upstream: $("${bins[0]}" --version | head -1)"
vm_log "installed QEMU $vm_qemu_upstream (${debs[*]} $want) in $(duration $((SECONDS - start))) (log: $log)"
