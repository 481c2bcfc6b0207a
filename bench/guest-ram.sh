#!/usr/bin/env bash
# The guest-RAM cost curve in one boot of the x86 test VM: every backing, sizes 4 KiB ... --max (powers of 4),
# populate timed apart, map + unmap with edu attached into an IOAS (huge pages on and off) and a type1 container, C twin
# (bench/c/guestram.c) and C# in alternating rounds; then the concurrency figure. Writes bench/results/guestram/:
# ram-curve.tsv (raw), ram-curve.md (tables, targets with verdicts), ram-curve-BACKING.png (log-log plots), run.log.
#   bench/guest-ram.sh [--max BYTES] [--half BYTES] [--dry] [--out DIR]   (--max 0: the concurrency figure alone)
# The guest gets --max plus 2.5 GiB of memory (the hugetlb pool of the largest size, dotnet, the populated buffer freed
# before the hugetlb cases): --max 16G needs ~19 GiB of the host's.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/build-output.sh
max=$((1 << 30)) half=$((256 << 20)) dry="" out=$PWD/bench/results/guestram
while [ $# -gt 0 ]; do
  case "$1" in
    --max) max=$(numfmt --from=iec "$2"); shift 2 ;;
    --half) half=$(numfmt --from=iec "$2"); shift 2 ;;
    --dry) dry=--dry; shift ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    *) echo "usage: bench/guest-ram.sh [--max BYTES] [--half BYTES] [--dry] [--out DIR]" >&2; exit 2 ;;
  esac
done
bin=$PWD/bench/results/guestram/bin
mkdir -p "$out" "$bin"
start=$SECONDS
inc=$(bash headers/extract-set.sh --set linux-7.3 | tail -1)
gcc -O2 -Wall -Wextra -Werror -I"$inc" -I"$inc/x86_64-linux-gnu" -shared -fPIC -o "$bin/libguestram.so" bench/c/guestram.c
dotnet build bench/Linux.Iommu.Bench -c Release --nologo -v quiet
app=$(build_output bench/Linux.Iommu.Bench Release)
memory=$(( (max >> 20) + 2560 ))
[ "$memory" -ge 3072 ] || memory=3072
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- bench runtime || echo ' + uncommitted changes')" # what was built, before anything lands
tests/vm/run-in-vm --memory "$memory" --edu 2 --timeout 14400 --env DOTNET_TC_CallCountingDelayMs=0 --env "BENCH_C_DIR=$bin" --out "$out" -- \
  sh -c 'exec dotnet exec "$0" guestram --out "$VM_OUT" --max "$1" --half "$2" $3' "$app" "$max" "$half" "$dry" 2>&1 | tee "$out/run.log"
{
  echo "| | |"
  echo "|---|---|"
  echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
  echo "| commit | $commit |"
  echo "| guest | x86_64, QEMU TCG, VT-d legacy, 2 vCPUs, $memory MiB, two edu devices |"
  echo "| largest size | $([ "$max" -gt 0 ] && echo "$(numfmt --to=iec "$max")B" || echo "none: the concurrency figure alone") |"
  echo "| load average (1/5/15 min) | before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg) (shared 2-core host) |"
  echo "| run time | $((SECONDS - start)) s |"
} >"$out/environment.md"
dotnet exec "$app" guestram-report "$out"
