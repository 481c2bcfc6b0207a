#!/usr/bin/env bash
# Host-side tests of tests/vm/run-in-vm itself: each case really boots the guest
# and asserts the runner's exit code and its message. Plus the progress of long steps
# (tests/vm/progress.sh) as CI sees it.
#   tests/vm/selftest.sh [COUNTS-FILE]    (COUNTS-FILE gets "PASSED FAILED", for tier.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run="$here/run-in-vm"
counts=${1:-}
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
passed=0 failed=0

# check NAME WANT_RC [!]FILE:REGEX... -- COMMAND...
# Runs COMMAND, then asserts its exit code and that each FILE (relative to $out:
# "out" and "err" are its stdout and stderr) matches its REGEX (with !: does not match it).
check() {
  local name=$1 want=$2 expect=() rc=0 start=$SECONDS why=() e file
  shift 2
  while [ "$1" != -- ]; do expect+=("$1"); shift; done
  shift
  "$@" >"$out/out" 2>"$out/err" || rc=$?
  [ "$rc" -eq "$want" ] || why+=("exit $rc, want $want")
  for e in "${expect[@]}"; do
    file=${e%%:*}
    if [ "${file:0:1}" = '!' ]; then
      ! grep -qE -- "${e#*:}" "$out/${file:1}" || why+=("${file:1} has /${e#*:}/")
    else
      grep -qE -- "${e#*:}" "$out/$file" || why+=("$file lacks /${e#*:}/")
    fi
  done
  if [ ${#why[@]} -eq 0 ]; then
    echo "selftest: PASS $name (exit $rc, $((SECONDS - start)) s)"; passed=$((passed + 1))
  else
    echo "selftest: FAIL $name: ${why[*]}"; failed=$((failed + 1))
    tail -n 40 "$out/out" | sed 's/^/  out| /'; tail -n 40 "$out/err" | sed 's/^/  err| /'
  fi
}

# The command's status comes back; its output, cwd, quoted arguments, --env and
# --out files arrive intact.
cd "$here"
check "guest exit status, output, cwd, arguments, env, out files" 7 \
  "out:^$here ; arg with  spaces \\\$x ; writable-home\$" "err:guest command exited with status 7" \
  "res/greeting:^hi  there\$" -- "$run" --env 'GREETING=hi  there' --out "$out/res" -- \
  bash -c 'echo "$PWD ; $1 ; $(test -w "$HOME" && echo writable-home)"; echo "$GREETING" >"$VM_OUT/greeting"; exit 7' \
  _ 'arg with  spaces $x'

# A cwd under /tmp (a tmpfs in the guest, and where a CI clone may live) stays visible.
tmp_cwd=$(mktemp -d /tmp/run-in-vm-selftest.XXXXXX)
echo "host file under /tmp" >"$tmp_cwd/marker"
cd "$tmp_cwd"
check "cwd under /tmp is kept" 0 "out:^host file under /tmp$" -- "$run" cat marker
cd "$here"; rm -rf "$tmp_cwd"

# A hung guest is killed at the timeout and reported with its console.
check "hang is killed at the timeout" 124 "err:timed out after 20 s" "err:Last console lines" -- \
  "$run" --timeout 20 -- sleep 1000

# A real kernel panic: boot with an init that does not exist. (The kernel has no
# sysrq; an OOM panic_on_oom panic was tried and took 5 s to 5 min, thrashing.) With the block
# layer in the kernel (CONFIG_BLOCK, for the NVMe driver) a missing rdinit falls back to mounting
# a root device, and there is none.
check "kernel panic is reported" 125 "err:guest kernel panicked" "err:Kernel panic - not syncing: VFS: Unable to mount root fs" -- \
  "$run" --append rdinit=/no-such-init -- true

# A kernel that never starts our /init (here: the initramfs' busybox sleeps in its place) is stopped at the boot
# deadline, long before the timeout, and reported as an early-boot hang.
check "early-boot hang is stopped at the boot deadline" 125 "err:did not start /init within 15 s of boot" "err:Last console lines" -- \
  "$run" --boot-deadline 15 --append "rdinit=/bin/busybox -- sleep 1000" -- true

# A long step without a terminal (CI): plain lines with its elapsed time and status, no control
# characters; when it fails, its log is named with its last lines and its exit status comes back.
long_step() (
  IOMMU_INTEROP_PROGRESS_EVERY=1
  source "$here/progress.sh"
  progress_prefix=test
  lines() { echo "$(grep -c . "$1") lines"; }
  step_run "counting" "$out/step.log" lines -- bash -c 'for i in 1 2 3 4; do echo "$i"; sleep 1; done; echo last words; exit 3'
)
check "progress of a failing long step, as CI sees it" 3 "err:^test: counting: [0-9]+s, [0-9]+ lines$" \
  "err:^test: counting failed after [0-9]+s \(exit 3\); full log: $out/step.log; its last lines:$" \
  "err:^  \| last words$" '!err:[[:cntrl:]]' -- long_step

echo "selftest: $passed passed, $failed failed"
[ -z "$counts" ] || echo "$passed $failed" >"$counts"
[ "$failed" -eq 0 ]
