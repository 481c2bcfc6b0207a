#!/usr/bin/env bash
# The main job: the vIOMMU planner demo. It probes the host IOMMU, then plans every example spec in
# examples/specs (Nested / Shadow / Refused, with reasons) and runs a live DMA of QEMU's edu device
# through the shadow engine. On a host with /dev/iommu and VFIO devices it runs right here; otherwise
# it boots the bundled test VM (our own 7.3 kernel in QEMU with an emulated VT-d and an edu device;
# the first run builds and caches the kernel, ~6 min; later runs take about half a minute).
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
cd "$root"

bash tests/setup-host.sh
echo "== building the iommu tool"
dotnet build runtime/Linux.Iommu.Cli -c Release -nologo -v quiet
tool="$root/runtime/Linux.Iommu.Cli/bin/Release/net10.0/iommu.dll"

echo "== the ABI models reproduce from the pinned headers"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash headers/scan.sh "$out" >/dev/null 2>&1
diff -r "$out" headers/models >/dev/null && echo "all models and diff reports reproduce byte for byte" \
  || { echo "demo: the committed models differ from a fresh scan: run headers/scan.sh and review" >&2; exit 1; }

if [ -e /dev/iommu ] && compgen -G "/dev/vfio/devices/vfio*" >/dev/null; then
  echo "== this host has iommufd: running the demo here"
  exec dotnet "$tool" demo
fi
echo "== no /dev/iommu here: booting the test VM (kernel build and boot progress below)"
exec tests/vm/run-in-vm --timeout 600 -- dotnet "$tool" demo
