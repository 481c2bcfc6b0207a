#!/usr/bin/env bash
# The NVMe benchmark: the sample driver's three DMA strategies against the guest kernel's own nvme driver on
# the same QEMU NVMe controller, in one boot of the test VM (tests/vm/run-in-vm --nvme). Writes bench/results/nvme/:
# csharp-nvme.tsv, c-nvme.tsv (IOPS, IOPS per second of busy guest CPU, busy CPUs, the process's share of them),
# nvme.md (ratios to the kernel driver, map/unmap share, the targets' verdicts), environment.md (load average), run.log.
#   bench/nvme.sh [--dry]     --dry: each case once for a moment (what a quick check needs); writes no results
#   bench/nvme.sh --loaded    the same with a second job on the host for the whole guest part (one busy loop per host
#                             core), results in bench/results/nvme/loaded/, judged by the loaded target only
#   bench/nvme.sh --latency [--dry]   only the QD 1 completion latency of the sample polled, on its interrupt and hybrid,
#                             which picks the hybrid poll time: bench/results/nvme/nvme-latency.tsv
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/vm/progress.sh
source tests/build-output.sh
dry="" latency="" loaded=""
for arg in "$@"; do
  case "$arg" in --dry) dry=--dry ;; --latency) latency=1 ;; --loaded) loaded=--loaded ;; *) echo "usage: bench/nvme.sh [--latency|--loaded] [--dry]" >&2; exit 2 ;; esac
done
out=bench/results/nvme bin=bench/results/nvme/bin disk=64M
[ -z "$loaded" ] || out=bench/results/nvme/loaded
mkdir -p "$out" "$bin"
log=$out/run.log
: >"$log"
inc=$(bash headers/extract-set.sh --set linux-7.3 | tail -1)
if [ -n "$latency" ]; then
  step_run "building Linux.Iommu.Bench" "$log" "" -- dotnet build bench/Linux.Iommu.Bench -c Release --nologo -v quiet
  app=$(build_output bench/Linux.Iommu.Bench Release)
  guest_out=$out
  [ -z "$dry" ] || guest_out=$(mktemp -d)
  step_run "NVMe completion latency in the guest" "$log" "" -- tests/vm/run-in-vm --nvme "$disk" --timeout 1800 \
    --env DOTNET_TC_CallCountingDelayMs=0 --out "$guest_out" -- sh -c 'dotnet exec "$1" nvme-latency --out "$VM_OUT" $2' sh "$app" "$dry"
  [ -n "$dry" ] || cat "$out/nvme-latency.tsv"
  exit 0
fi
step_run "building the kernel-driver anchor (bench/c/nvme-kernel.c)" "$log" "" -- \
  gcc -O2 -Wall -Wextra -Werror -I"$inc" -I"$inc/x86_64-linux-gnu" -o "$bin/nvme-kernel" bench/c/nvme-kernel.c
step_run "building Linux.Iommu.Bench" "$log" "" -- dotnet build bench/Linux.Iommu.Bench -c Release --nologo -v quiet
app=$(build_output bench/Linux.Iommu.Bench Release)
guest_out=$out
[ -z "$dry" ] || guest_out=$(mktemp -d)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
hogs=()
stop_hogs() { [ ${#hogs[@]} = 0 ] || kill "${hogs[@]}" 2>/dev/null || true; }
trap stop_hogs EXIT
if [ -n "$loaded" ]; then
  for _ in $(seq "$(nproc)"); do sh -c 'while :; do :; done' & hogs+=($!); done
fi
# In the guest: the C# suite first (it moves the controller to vfio-pci and gives it back to the nvme driver at the
# end), then the anchor on the kernel's block device.
step_run "NVMe suite and kernel anchor in the guest" "$log" "" -- tests/vm/run-in-vm --nvme "$disk" --timeout 1800 \
  --env DOTNET_TC_CallCountingDelayMs=0 --out "$guest_out" -- sh -c '
    uname -r >"$VM_OUT/guest-kernel" &&
    dotnet exec "$1" nvme --out "$VM_OUT" $3 &&
    "$2" "$(ls /dev/nvme*n1 | head -n 1)" "$VM_NVME_BYTES" $3 | tee "$VM_OUT/c-nvme.tsv"' sh "$app" "$PWD/$bin/nvme-kernel" "$dry"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
stop_hogs
[ -z "$dry" ] || exit 0
{
  echo "| | |"
  echo "|---|---|"
  echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
  echo "| machine | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores |"
  echo "| guest | $(cat "$out/guest-kernel" 2>/dev/null || echo '?'), QEMU TCG, 2 vCPUs, QEMU's NVMe controller ($disk image) |"
  [ -n "$loaded" ] && second="$(nproc) busy loops (sh), one per core, for the whole guest part" || second=none
  echo "| second job on the host | $second |"
  echo "| load average (1/5/15 min) | before $load_before, at the end of the guest part $load_end |"
  echo "| commit | $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/results' || echo ' + uncommitted changes') |"
} >"$out/environment.md"
dotnet exec "$app" nvme-report "$out" $loaded
