# Progress for long steps (sourced, not run): a step's whole output goes to a log file, and stderr
# gets what a person can follow: the step, its elapsed time and, where the step knows it, its current
# phase or a count. On a terminal: one status line redrawn every second and cleared at the end.
# Otherwise (CI, a pipe): a plain line after 2 s and then every $progress_every seconds, no control
# characters. A step done within 2 s shows nothing. A failure names the log and shows its last lines.

progress_every=${IOMMU_INTEROP_PROGRESS_EVERY:-30}
progress_prefix=${progress_prefix:-progress}
progress_tty=0
[ -t 2 ] && [ "${TERM:-dumb}" != dumb ] && progress_tty=1

# duration SECONDS -> 42s, 7m05s, 1h02m
duration() {
  local s=$1
  if [ "$s" -lt 60 ]; then echo "${s}s"
  elif [ "$s" -lt 3600 ]; then printf '%dm%02ds\n' $((s / 60)) $((s % 60))
  else printf '%dh%02dm\n' $((s / 3600)) $((s % 3600 / 60)); fi
}

# percent DONE EXPECTED -> "DONE/~EXPECTED (P%)", P held at 99 until the step ends: the expected
# count is a measurement, not a promise.
percent() {
  local p=$(($1 * 100 / $2))
  [ "$p" -le 99 ] || p=99
  echo "$1/~$2 ($p%)"
}

progress_cols=100
[ "$progress_tty" = 0 ] || read -r _ progress_cols < <(stty size <&2 2>/dev/null) || progress_cols=100
[ "${progress_cols:-0}" -gt 20 ] 2>/dev/null || progress_cols=100
progress_line() { # TEXT: the terminal's redrawn status line, or a plain line
  if [ "$progress_tty" = 1 ]; then printf '\r\033[K%s' "${1:0:$((progress_cols - 1))}" >&2
  else printf '%s\n' "$1" >&2; fi
}

# step_run TITLE LOG STATUS -- COMMAND...
# Runs COMMAND with stdout and stderr appended to LOG, showing "PREFIX: TITLE: ELAPSED, STATUS-TEXT"
# where STATUS-TEXT is what the function STATUS prints given LOG (a phase, a count; "" for none).
# Returns COMMAND's exit status.
step_run() {
  local title=$1 log=$2 status=$3 start=$SECONDS next=$((SECONDS + 2)) pid rc=0 text shown=0
  shift 4
  echo "### $title" >>"$log"
  "$@" >>"$log" 2>&1 &
  pid=$!
  # A script's background job ignores SIGINT: pass Ctrl-C and termination on to it.
  trap 'kill "$pid" 2>/dev/null' INT TERM
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2
    [ "$SECONDS" -ge "$next" ] || continue
    text=$(duration $((SECONDS - start)))
    # a STATUS that finds nothing (yet) shows nothing and never stops the step
    [ -z "$status" ] || text+=$({ "$status" "$log" || true; } | sed '1!d; s/^./, &/')
    progress_line "$progress_prefix: $title: $text"
    shown=1
    next=$((SECONDS + (progress_tty ? 1 : progress_every)))
  done
  wait "$pid" || rc=$?
  trap - INT TERM
  [ "$progress_tty$shown" != 11 ] || printf '\r\033[K' >&2
  [ "$rc" = 0 ] || step_failed "$title" "$log" "$rc" "$((SECONDS - start))"
  return "$rc"
}

# A STATUS for steps that report nothing countable: the last line of their log (step_run's own
# "### TITLE" markers aside).
last_line() { tail -n 5 "$1" | tr -d '\r' | grep -v '^### ' | tail -n 1 | cut -c1-80; }

step_failed() { # TITLE LOG EXIT SECONDS
  echo "$progress_prefix: $1 failed after $(duration "$4") (exit $3); full log: $2; its last lines:" >&2
  tail -n 25 "$2" | sed 's/^/  | /' >&2
}
