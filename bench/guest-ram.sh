#!/usr/bin/env bash
# The guest-RAM cost curve in one boot of the x86 test VM: every backing, sizes 4 KiB ... --max (powers of 4),
# populate timed apart, map + unmap with edu attached into an IOAS (huge pages on and off) and a type1 container, C twin
# (bench/c/guestram.c) and C# in alternating rounds; then the concurrency figure. Writes bench/results/guestram/:
# ram-curve.tsv (raw), ram-curve.md (tables, targets with verdicts), ram-curve-BACKING.png (log-log plots), run.log.
#   bench/guest-ram.sh [--arch x86_64|aarch64] [--max BYTES] [--half BYTES] [--dry] [--out DIR]
#   (--max 0: the concurrency figure alone). --arch aarch64: the aarch64 guest (QEMU virt, SMMUv3), the C twin
#   cross-built, the program published self-contained for linux-arm64 (as bench/run.sh --arch aarch64 does), results in
#   bench/results/aarch64/guestram/.
# The guest gets --max plus 2.5 GiB of memory (the hugetlb pool of the largest size, dotnet, the populated buffer freed
# before the hugetlb cases): --max 16G needs ~19 GiB of the host's.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/build-output.sh
max=$((1 << 30)) half=$((256 << 20)) dry="" arch=x86_64 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --max) max=$(numfmt --from=iec "$2"); shift 2 ;;
    --half) half=$(numfmt --from=iec "$2"); shift 2 ;;
    --dry) dry=--dry; shift ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    *) echo "usage: bench/guest-ram.sh [--arch x86_64|aarch64] [--max BYTES] [--half BYTES] [--dry] [--out DIR]" >&2; exit 2 ;;
  esac
done
case "$arch" in
  x86_64) results=$PWD/bench/results/guestram gcc=gcc guest="x86_64, QEMU TCG, VT-d legacy" ;;
  aarch64) results=$PWD/bench/results/aarch64/guestram gcc=aarch64-linux-gnu-gcc guest="aarch64, QEMU virt TCG (-cpu max), SMMUv3" ;;
  *) echo "bench/guest-ram.sh: --arch $arch: x86_64 or aarch64" >&2; exit 2 ;;
esac
out=${out:-$results}
bin=$results/bin
mkdir -p "$out" "$bin"
start=$SECONDS
inc=$(bash headers/extract-set.sh --set linux-7.3 | tail -1)
"$gcc" -O2 -Wall -Wextra -Werror -I"$inc" -I"$inc/$arch-linux-gnu" -shared -fPIC -o "$bin/libguestram.so" bench/c/guestram.c
dotnet build bench/Linux.Iommu.Bench -c Release --nologo -v quiet
app=$(build_output bench/Linux.Iommu.Bench Release) # the report runs here
guest_app=$app
if [ "$arch" = aarch64 ]; then # the arm64 root has no dotnet (bench/run.sh --arch aarch64)
  guest_app=$PWD/bench/Linux.Iommu.Bench/bin/linux-arm64/Linux.Iommu.Bench
  dotnet publish bench/Linux.Iommu.Bench -c Release -r linux-arm64 --self-contained -p:InvariantGlobalization=true \
    -o "$(dirname "$guest_app")" --nologo -v quiet
fi
memory=$(( (max >> 20) + 2560 ))
[ "$memory" -ge 3072 ] || memory=3072
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- bench runtime || echo ' + uncommitted changes')" # what was built, before anything lands
if [ "$arch" = x86_64 ]; then run=(dotnet exec "$guest_app"); else run=("$guest_app"); fi
tests/vm/run-in-vm --arch "$arch" --memory "$memory" --edu 2 --timeout 14400 --env DOTNET_TC_CallCountingDelayMs=0 --env "BENCH_C_DIR=$bin" --out "$out" -- \
  sh -c 'exec "$@" --out "$VM_OUT"' sh "${run[@]}" guestram --max "$max" --half "$half" $dry 2>&1 | tee "$out/run.log"
{
  echo "| | |"
  echo "|---|---|"
  echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
  echo "| commit | $commit |"
  echo "| guest | $guest, 2 vCPUs, $memory MiB, two edu devices |"
  echo "| largest size | $([ "$max" -gt 0 ] && echo "$(numfmt --to=iec "$max")B" || echo "none: the concurrency figure alone") |"
  echo "| load average (1/5/15 min) | before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg) (shared 2-core host) |"
  echo "| run time | $((SECONDS - start)) s |"
} >"$out/environment.md"
dotnet exec "$app" guestram-report "$out"
