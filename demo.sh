#!/usr/bin/env bash
# The main job: the vIOMMU planner demo. It probes the host IOMMU, then plans every example spec in
# examples/specs (Nested / Shadow / Refused, with reasons) and runs a live DMA of QEMU's edu device
# through the shadow engine. On a host with /dev/iommu and VFIO devices it runs right here; otherwise
# it boots the bundled test VM (our own 7.3 kernel in QEMU with an emulated VT-d and an edu device;
# the first run builds and caches the kernel, 6–12 min with its progress shown; later runs take about half
# a minute).
#   ./demo.sh [--kernel K]   boots the test VM with guest kernel K even on a host with iommufd: 7.3 (ours),
#                            6.12-iommufd, or Debian's own debian-6.1, debian-6.12, debian-7.3 (no iommufd
#                            there: the VFIO type1 container)
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
cd "$root"
guest_kernel=""
case "${1:-}" in
  --kernel) [ $# -eq 2 ] && [[ $2 =~ ^(7\.3|6\.12-iommufd|debian-(6\.1|6\.12|7\.3))$ ]] ||
              { echo "demo: --kernel wants one of 7.3, 6.12-iommufd, debian-6.1, debian-6.12, debian-7.3" >&2; exit 2; }
            guest_kernel=$2 ;;
  "") ;;
  *) echo "demo: unknown argument $1 (usage: demo.sh [--kernel 7.3|6.12-iommufd|debian-6.1|debian-6.12|debian-7.3])" >&2; exit 2 ;;
esac
progress_prefix=demo
source tests/vm/progress.sh
source tests/build-output.sh
log=$(mktemp "${TMPDIR:-/tmp}/demo.XXXXXX.log")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

bash tests/setup-host.sh
echo "== building the iommu tool and the demo (examples/Demo)"
step_run "dotnet build runtime/Linux.Iommu.Cli" "$log" "" -- dotnet build runtime/Linux.Iommu.Cli -c Release -nologo -v quiet
step_run "dotnet build examples/Demo" "$log" "" -- dotnet build examples/Demo -c Release -nologo -v quiet
tool=$(build_output runtime/Linux.Iommu.Cli Release)
demo=$(build_output examples/Demo Release)
# the host IOMMU as the tool reports it, then the demo: every example spec planned, the live DMA, the mock's Nested plan
run_demo=(bash -c 'dotnet "$1" probe && dotnet "$2"' demo "$tool" "$demo")

echo "== the ABI models reproduce from the pinned headers"
step_run "headers/scan.sh (fetches the pinned packages when not cached)" "$log" last_line -- bash headers/scan.sh "$out"
diff -r "$out" headers/models >/dev/null && echo "all models and diff reports reproduce byte for byte" \
  || { echo "demo: the committed models differ from a fresh scan: run headers/scan.sh and review" >&2; exit 1; }
rm -f "$log"

if [ -z "$guest_kernel" ] && [ -e /dev/iommu ] && compgen -G "/dev/vfio/devices/vfio*" >/dev/null; then
  echo "== this host has iommufd: running the demo here"
  exec "${run_demo[@]}"
fi
if [ -n "$guest_kernel" ]; then echo "== booting the test VM with guest kernel $guest_kernel"
else echo "== no /dev/iommu here: booting the test VM"; fi
exec tests/vm/run-in-vm --timeout 600 --kernel "${guest_kernel:-7.3}" -- "${run_demo[@]}"
