#!/usr/bin/env bash
# The VM tier of tests/run.sh: build Vm.Tests on the host, run the whole assembly
# in ONE guest boot (in-process xunit runner; `dotnet test` is ~10x slower there),
# then the runner's own selftest. Never skips by itself: a missing QEMU or kernel
# source fails the run. IOMMU_INTEROP_SKIP_VM=1 skips it loudly, except in CI.
# Arguments go to the xunit runner (e.g. -class NAME, -method NAME).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${IOMMU_INTEROP_SKIP_VM:-0}" = 1 ]; then
  if [ "${CI:-}" = true ]; then
    echo "VM tier: IOMMU_INTEROP_SKIP_VM=1 is refused in CI: the real-kernel tests must run" >&2; exit 1
  fi
  echo "VM tier: SKIPPED on request (IOMMU_INTEROP_SKIP_VM=1): no real-kernel test ran" >&2; exit 0
fi

dotnet build tests/Vm.Tests/Vm.Tests.csproj --nologo -v quiet
# Both parts run even when the first fails, so one failure never hides the other.
failed=()
log=$(mktemp); trap 'rm -f "$log"' EXIT
start=$SECONDS
tests/vm/run-in-vm --timeout 900 --edu 2 -- dotnet exec tests/Vm.Tests/bin/Debug/net10.0/Vm.Tests.dll -noColor "$@" | tee "$log" ||
  failed+=("Vm.Tests (exit ${PIPESTATUS[0]})")
echo "VM tier: Vm.Tests ran in the guest in $((SECONDS - start)) s (boot to poweroff)"
bash tests/vm/selftest.sh | tee -a "$log" || failed+=("run-in-vm selftest (exit ${PIPESTATUS[0]})")

# One closing count for the tier: xunit's summary plus the selftest's line.
read -r total errors xfailed skipped < <(sed -n 's/.*Vm.Tests  Total: \([0-9]*\), Errors: \([0-9]*\), Failed: \([0-9]*\), Skipped: \([0-9]*\).*/\1 \2 \3 \4/p' "$log") ||
  { total=1 errors=1 xfailed=0 skipped=0; failed+=("no xunit summary from the guest"); }
read -r spassed sfailed < <(sed -n 's/^selftest: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log") || { spassed=0 sfailed=1; }
[ ${#failed[@]} -eq 0 ] || echo "VM tier FAILED: ${failed[*]}" >&2
echo "vm-tier: $((total - errors - xfailed - skipped + spassed)) passed, $((errors + xfailed + sfailed)) failed"
[ ${#failed[@]} -eq 0 ]
