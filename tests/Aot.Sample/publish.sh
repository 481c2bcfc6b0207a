#!/usr/bin/env bash
# Publishes the NativeAOT sample (x86_64) to artifacts/aot-sample, where the VM tier's AotSampleTests runs it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dotnet publish "$root/tests/Aot.Sample" -c Release -r linux-x64 -o "$root/artifacts/aot-sample" -nologo -v quiet
