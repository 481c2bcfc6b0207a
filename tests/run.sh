#!/usr/bin/env bash
# The project's whole test run (README's test command; .ci/run calls exactly this, after the README's main job).
#   1. host tier: scanner, layout conformance against gcc, generator, runtime unit tests, the NuGet packages
#      consumed from a local feed by fresh projects (tests/Packaging.Tests, which runs pack.sh)
#   2. VM tier:   our own iommufd kernel in QEMU, the VM test assembly run inside it
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

echo "== setup: host packages"
bash tests/setup-host.sh

echo "== host tier"
dotnet test Interop.sln --filter "Category!=Vm" --logger "console;verbosity=normal"

echo "== NativeAOT sample (run in the VM tier)"
bash tests/Aot.Sample/publish.sh

echo "== VM tier"
bash tests/vm/tier.sh
