#!/usr/bin/env bash
# The VM tier of tests/run.sh: build Vm.Tests on the host, run the whole assembly
# in ONE guest boot (in-process xunit runner; `dotnet test` is ~10x slower there;
# VT-d legacy mode, 48 bits), then one short boot per other VT-d mode running only
# Vm.Tests.Modes.VtdModeTests, then the aarch64 guest (SMMUv3; Vm.Tests published
# self-contained for linux-arm64, VT-d-only and selftest-mock tests filtered out by
# trait), then the runner's own selftest. Never skips by itself:
# a missing QEMU or kernel source fails the run. IOMMU_INTEROP_SKIP_VM=1 skips it
# loudly, except in CI. Arguments go to the xunit runner of the main boot (e.g.
# -class NAME, -method NAME); with arguments the mode and aarch64 boots are left out.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${IOMMU_INTEROP_SKIP_VM:-0}" = 1 ]; then
  if [ "${CI:-}" = true ]; then
    echo "VM tier: IOMMU_INTEROP_SKIP_VM=1 is refused in CI: the real-kernel tests must run" >&2; exit 1
  fi
  echo "VM tier: SKIPPED on request (IOMMU_INTEROP_SKIP_VM=1): no real-kernel test ran" >&2; exit 0
fi

dotnet build tests/Vm.Tests/Vm.Tests.csproj --nologo -v quiet
# Every part runs even when one fails, so one failure never hides another.
failed=()
log=$(mktemp); trap 'rm -f "$log"' EXIT
tests=(dotnet exec tests/Vm.Tests/bin/Debug/net10.0/Vm.Tests.dll -noColor -trait- Family=SmmuV3 -trait- Needs=Bridge)
bridge_tests=(dotnet exec tests/Vm.Tests/bin/Debug/net10.0/Vm.Tests.dll -noColor -class Vm.Tests.Planner.BridgeTests)
arm64_out=tests/Vm.Tests/bin/linux-arm64
arm64_tests=("$arm64_out/Vm.Tests" -noColor -trait- Family=VtD -trait- Needs=SelftestMock -trait- Needs=HostRoot -trait- Needs=Bridge)

# boot NAME RUNNER-ARGS... -- COMMAND...: one guest boot running Vm.Tests.
boot() {
  local name=$1 runner=() start=$SECONDS; shift
  while [ "$1" != -- ]; do runner+=("$1"); shift; done
  shift
  tests/vm/run-in-vm --timeout 900 --edu 2 "${runner[@]}" -- "$@" | tee -a "$log" ||
    failed+=("Vm.Tests $name (exit ${PIPESTATUS[0]})")
  echo "VM tier: Vm.Tests $name ran in the guest in $((SECONDS - start)) s (boot to poweroff)"
}

boot "VT-d legacy, 48 bits" --vtd legacy --aw-bits 48 -- "${tests[@]}" "$@"
if [ $# -eq 0 ]; then
  for mode in "scalable 48 on" "scalable-flts 48 on" "scalable-flts 48 off" "legacy 39 on"; do
    set -- $mode
    boot "VT-d $1, $2 bits, fs1gp=$3" --vtd "$1" --aw-bits "$2" --fs1gp "$3" -- "${tests[@]}" -class Vm.Tests.Modes.VtdModeTests
  done
  boot "two edu behind a PCIe-to-PCI bridge" --edu 0 --bridged-edu 2 -- "${bridge_tests[@]}"
  if dotnet publish tests/Vm.Tests/Vm.Tests.csproj -r linux-arm64 --self-contained -p:InvariantGlobalization=true \
       -o "$arm64_out" --nologo -v quiet; then
    boot "aarch64 SMMUv3" --arch aarch64 -- "${arm64_tests[@]}"
  else
    failed+=("dotnet publish of Vm.Tests for linux-arm64")
  fi
fi
boots=$(grep -c 'Vm.Tests  Total:' "$log" || true)
echo "VM tier: $boots guest boots of Vm.Tests"
bash tests/vm/selftest.sh | tee -a "$log" || failed+=("run-in-vm selftest (exit ${PIPESTATUS[0]})")

# One closing count for the tier: every boot's xunit summary plus the selftest's line.
read -r total errors xfailed skipped < <(sed -n 's/.*Vm.Tests  Total: \([0-9]*\), Errors: \([0-9]*\), Failed: \([0-9]*\), Skipped: \([0-9]*\).*/\1 \2 \3 \4/p' "$log" |
  awk '{t += $1; e += $2; f += $3; s += $4} END {if (NR) print t, e, f, s}') ||
  { total=1 errors=1 xfailed=0 skipped=0; failed+=("no xunit summary from the guest"); }
read -r spassed sfailed < <(sed -n 's/^selftest: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log") || { spassed=0 sfailed=1; }
[ ${#failed[@]} -eq 0 ] || echo "VM tier FAILED: ${failed[*]}" >&2
echo "vm-tier: $((total - errors - xfailed - skipped + spassed)) passed, $((errors + xfailed + sfailed)) failed"
[ ${#failed[@]} -eq 0 ]
