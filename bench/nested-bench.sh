#!/usr/bin/env bash
# The nested-vIOMMU runtime's benchmark alone (docs/benchmarks.md, "Nested vIOMMU runtime"): invalidations through the
# selftest mock one entry per ioctl vs batches of 8/64/256 (C twin bench/c/invalidate.c, interleaved C/C# rounds) and
# vEVENTs read per second, in one boot of the x86 test VM (the mock is CONFIG_IOMMUFD_TEST: x86 guest only).
#   bench/nested-bench.sh [--dry]      results: bench/results/nested/ (c-vm.tsv, csharp-nested.tsv, probes-nested.tsv)
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/build-output.sh
dry=${1:-}
out=bench/results/nested
bin=$out/bin
mkdir -p "$bin"
inc=$(bash headers/extract-set.sh --set linux-7.3 | tail -1)
test_inc=$(bash headers/extract-set.sh --set iommufd-test-7.3 | tail -1)
cc=(gcc -O2 -Wall -Wextra -Werror -I"$inc" -I"$inc/x86_64-linux-gnu" -I"$test_inc")
"${cc[@]}" -o "$bin/invalidate" bench/c/invalidate.c
"${cc[@]}" -shared -fPIC -o "$bin/libinvalidate.so" bench/c/invalidate.c
dotnet build bench/Linux.Iommu.Bench -c Release --nologo -v quiet
app=$(build_output bench/Linux.Iommu.Bench Release)
start=$SECONDS
tests/vm/run-in-vm --memory 3072 --env DOTNET_TC_CallCountingDelayMs=0 --timeout 3600 --out "$out" -- sh -c '
  set -e
  uname -r >"$VM_OUT/guest-kernel"
  [ "$3" = --dry ] || "$1/invalidate" | tee "$VM_OUT/c-vm.tsv"
  BENCH_C_DIR=$1 dotnet exec "$2" nested --out "$VM_OUT" $3' sh "$PWD/$bin" "$app" "$dry"
echo "nested-bench: guest part $((SECONDS - start)) s; results in $out/"
[ "$dry" = --dry ] || python3 bench/check-figures.py --run "$out" ||
  { echo "nested-bench: measurements of the same call disagree in this run (above): the host was too loaded to publish it; re-run on a quiet machine" >&2; exit 1; }
