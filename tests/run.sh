#!/usr/bin/env bash
# The project's whole test run (README's test command; .ci/run calls exactly this, after the README's main job).
#   host tier: scanner, layout conformance against gcc, generator, runtime unit tests, the NuGet packages
#              consumed from a local feed by fresh projects (tests/Packaging.Tests, which runs pack.sh)
#   VM tier:   our own iommufd kernels and Debian's images in QEMU, the VM test assembly run inside them
# both after one build, side by side.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

source tests/vm/progress.sh
# phase NAME COMMAND...: runs one phase and says how long it took, so every run measures the tier's time.
phase() {
  local name=$1 start=$SECONDS; shift
  echo "== $name"
  "$@"
  echo "== $name: $(duration $((SECONDS - start)))"
}

# host_tier LOG: the host tier's tests (built already), their output into LOG, printed whole when they end.
host_tier() {
  local rc=0
  dotnet test Interop.sln --no-build --filter "Category!=Vm" --logger "console;verbosity=normal" >"$1" 2>&1 || rc=$?
  echo "== host tier (beside the VM tier): exit $rc, its output:"
  cat "$1"
  return "$rc"
}

# The host tier and the VM tier run side by side: the host tier keeps only about half of one core busy (measured on
# 2 cores: 217 s for 115 s of CPU), the VM tier's guests the rest. Everything both use is built first, so neither builds
# what the other reads.
both_tiers() {
  local host_log=TestResults/host-tier.log host rc=0
  mkdir -p TestResults
  host_tier "$host_log" &
  host=$!
  bash tests/vm/tier.sh || rc=$?
  wait "$host" || { echo "tests/run.sh: the host tier failed (its output above, and in $host_log)" >&2; rc=1; }
  return "$rc"
}

phase "setup: host packages" bash tests/setup-host.sh
phase "build" dotnet build Interop.sln -nologo -v quiet
phase "NativeAOT sample (run in the VM tier)" bash tests/Aot.Sample/publish.sh
phase "host tier and VM tier" both_tiers
echo "== tests/run.sh: $(duration "$SECONDS")"
