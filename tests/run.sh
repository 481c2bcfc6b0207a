#!/usr/bin/env bash
# The project's whole test run (README's test command; .ci/run calls exactly this, after the README's main job).
#   1. host tier: scanner, layout conformance against gcc, generator, runtime unit tests, the NuGet packages
#      consumed from a local feed by fresh projects (tests/Packaging.Tests, which runs pack.sh)
#   2. VM tier:   our own iommufd kernel in QEMU, the VM test assembly run inside it
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

phase "setup: host packages" bash tests/setup-host.sh
phase "host tier" dotnet test Interop.sln --filter "Category!=Vm" --logger "console;verbosity=normal"
phase "NativeAOT sample (run in the VM tier)" bash tests/Aot.Sample/publish.sh
phase "VM tier" bash tests/vm/tier.sh
echo "== tests/run.sh: $(duration "$SECONDS")"
