#!/usr/bin/env bash
# The benchmark command. Builds the C baselines (gcc, against the pinned kernel headers) and the BenchmarkDotNet
# program, runs the host suites (stub overhead, generator) here and the iommufd/VFIO suites in ONE boot of the test VM
# (tests/vm/run-in-vm), C first then C#, and merges everything into bench/results/: summary.md (every figure as a
# ratio to C, next to its target), environment.md, the raw .tsv files, map-throughput.csv and .png.
#
#   bench/run.sh [--dry] [--host-only]
#
# The guest is emulated (QEMU TCG: no KVM on this machine), so its absolute times are 10-100x a real machine's and
# mean nothing alone; only ratios measured in the same run are reported against targets. Guest suites use a short
# job (3 warm-ups, 3 iterations). --dry: each benchmark once, no timing (what the tests do); --host-only: skip the VM.
set -euo pipefail
cd "$(dirname "$0")/.."
dry="" host_only=0
for a in "$@"; do
  case "$a" in --dry) dry=--dry ;; --host-only) host_only=1 ;; *) sed -n '9p' "$0" >&2; exit 2 ;; esac
done
start=$SECONDS
out=bench/results bin=bench/results/bin
mkdir -p "$out" "$bin"
rm -f "$out"/*.tsv

echo "== build: C baselines (gcc, linux-libc-dev 7.3 headers) and the benchmark program"
inc=$(bash headers/extract-set.sh linux-libc-dev 7.3.4-1~bpo13+1 | tail -1)
cc=(gcc -O2 -Wall -Wextra -Werror -I"$inc" -I"$inc/x86_64-linux-gnu")
for c in stub iommufd type1; do "${cc[@]}" -o "$bin/$c" "bench/c/$c.c"; done
# the same loops as functions, which the C# suites call in rounds interleaved with their own (side by side)
for c in stub iommufd type1; do "${cc[@]}" -shared -fPIC -o "$bin/lib$c.so" "bench/c/$c.c"; done
dotnet build bench/Linux.Iommu.Bench -c Release --nologo -v quiet
app=$PWD/bench/Linux.Iommu.Bench/bin/Release/net10.0/Linux.Iommu.Bench.dll

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== host (load average $load_before)"
if [ -z "$dry" ]; then "$bin/stub" | tee "$out/c-host.tsv"; fi
BENCH_C_STUB=$PWD/$bin/libstub.so dotnet exec "$app" host --out "$out" $dry

if [ "$host_only" = 0 ]; then
  echo "== guest (QEMU TCG; one boot)"
  vm_start=$SECONDS
  tests/vm/run-in-vm --timeout 3600 --memory 3072 --out "$out" -- bash bench/vm-bench.sh "$PWD/$bin" "$app" $dry
  echo "guest part: $((SECONDS - vm_start)) s"
fi
[ -z "$dry" ] || { echo "bench: dry run passed in $((SECONDS - start)) s"; exit 0; }

{
  echo "| | |"
  echo "|---|---|"
  echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
  echo "| machine | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM |"
  echo "| host kernel | $(uname -r) (no iommufd) |"
  echo "| guest kernel | $(cat "$out/guest-kernel" 2>/dev/null || echo 'not run') (our tinyconfig + iommufd build), QEMU TCG, intel-iommu, edu |"
  echo "| QEMU | $(qemu-system-x86_64 --version | head -1) |"
  echo "| .NET | SDK $(dotnet --version), runtime $(dotnet --list-runtimes | awk '/NETCore.App/ {v=$2} END {print v}'), BenchmarkDotNet 0.15.8 |"
  echo "| gcc | $(gcc -dumpfullversion) -O2 |"
  echo "| load average (1/5/15 min) | before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg) (shared 2-core machine) |"
  echo "| bench/run.sh | $((SECONDS - start)) s |"
} >"$out/environment.md"

echo "== summary"
dotnet exec "$app" report "$out"
echo "bench: done in $((SECONDS - start)) s; results in $out/"
