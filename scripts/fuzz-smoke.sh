#!/usr/bin/env bash
# scripts/fuzz-smoke.sh — build the `fuzz` preset and run every libFuzzer target briefly.
#
# Usage: scripts/fuzz-smoke.sh [--seed N] [SECONDS]   (default 30 seconds per target)
# Each build-fuzz/**/<unit>_fuzzer runs on a copy of fuzz/corpus/<unit>_fuzzer with the flags of
# its .options file (dict, max_len) for SECONDS. --seed N passes -seed=N to every target, so a run
# (CI's) mutates the same way each time; without it libFuzzer picks a random seed. The seed fixes
# the sequence of inputs, SECONDS still bounds the run by time, so how far into that sequence a run
# gets depends on the machine's speed and load. Prints one line per target (exec/s, cov edges,
# result) and a SUMMARY line. Exit codes: 0 no target failed, 1 a target crashed (its reproducer's
# path is printed, and the artifact directory is kept), 2 the build or the setup failed.
set -uo pipefail

usage() {
  echo "usage: $0 [--seed N] [SECONDS]  (SECONDS per target, default 30; N: libFuzzer's -seed, 1 to 999999999)" >&2
  exit 2
}
seconds=30
seed=""
have_seconds=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seed) [[ $# -ge 2 ]] || usage; seed="$2"; shift 2 ;;
    --seed=*) seed="${1#--seed=}"; shift ;;
    -*) usage ;;
    *) [[ $have_seconds -eq 0 ]] || usage; seconds="$1"; have_seconds=1; shift ;;
  esac
done
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -eq 0 ]]; then usage; fi
# libFuzzer treats -seed=0 as "pick one at random".
if [[ -n "$seed" ]] && { ! [[ "$seed" =~ ^[0-9]{1,9}$ ]] || [[ "$seed" -eq 0 ]]; }; then usage; fi
seed_flags=()
[[ -n "$seed" ]] && seed_flags=(-seed="$seed")
bound="${seconds}s per target${seed:+, seed $seed}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2

# Only the fuzz targets: the rest of the tree is not needed to fuzz (and the full clang build is slow).
targets=()
for source in fuzz/*_fuzzer.cc; do
  targets+=("$(basename "$source" .cc)")
done
echo "== configure and build the fuzz preset (${targets[*]})"
if ! cmake --preset fuzz >/dev/null; then
  echo "fuzz-smoke: cmake --preset fuzz failed" >&2
  exit 2
fi
if ! nice cmake --build --preset fuzz --target "${targets[@]}"; then
  echo "fuzz-smoke: cmake --build --preset fuzz failed" >&2
  exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/gatecrash-fuzz-smoke.XXXXXX")" || exit 2
echo "== work directory (corpus copies, logs, artifacts): $work"

# clang ASan binaries hang at start without allocator_release_to_os_interval_ms=-1
# (shared/reference/toolchain.md). malloc_context_size=1 keeps libFuzzer's out-of-memory report
# (a walk of the whole heap grouped by allocation stack) to seconds instead of many minutes; crash
# stacks stay complete, and re-running a reproducer without it gives full allocation stacks.
# UBSan findings must stop the run to count as crashes.
export ASAN_OPTIONS="${ASAN_OPTIONS:-allocator_release_to_os_interval_ms=-1:malloc_context_size=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

# libFuzzer flags from an OSS-Fuzz .options file ([libfuzzer] key = value); a relative dict is
# found beside the options file.
options_flags() {
  local options="$1" in_section=0 key value
  [[ -f "$options" ]] || return 0
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line%%#*}"
    [[ "$line" =~ ^[[:space:]]*$ ]] && continue
    if [[ "$line" =~ ^[[:space:]]*\[(.*)\][[:space:]]*$ ]]; then
      [[ "${BASH_REMATCH[1]}" == libfuzzer ]] && in_section=1 || in_section=0
      continue
    fi
    [[ $in_section -eq 1 && "$line" == *=* ]] || continue
    key="$(echo "${line%%=*}" | xargs)"
    value="$(echo "${line#*=}" | xargs)"
    if [[ "$key" == dict && "$value" != /* ]]; then value="$(dirname "$options")/$value"; fi
    echo "-$key=$value"
  done <"$options"
}

failed=0
ran=0
results=()
reproducers=()
while IFS= read -r binary; do
  name="$(basename "$binary")"
  seeds="$root/fuzz/corpus/$name"
  corpus="$work/corpus/$name"
  artifacts="$work/artifacts/$name"
  log="$work/$name.log"
  mkdir -p "$corpus" "$artifacts"
  [[ -d "$seeds" ]] && cp -R "$seeds/." "$corpus/"
  options="$(dirname "$binary")/$name.options"
  [[ -f "$options" ]] || options="$root/fuzz/$name.options"
  mapfile -t flags < <(options_flags "$options")

  echo "== $name for ${seconds}s: ${flags[*]} ${seed_flags[*]}"
  # The outer timeout only guards against a run that never ends: libFuzzer's out-of-memory report
  # walks the whole ASan heap and can take many minutes on a large one.
  timeout --kill-after=10 $((seconds + 180)) nice "$binary" "${flags[@]}" "${seed_flags[@]}" -max_total_time="$seconds" \
    -timeout=25 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
  status=$?
  ran=$((ran + 1))

  # Final stats when libFuzzer printed them, else the last status line's numbers.
  execs="$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log" | tail -1)"
  [[ -n "$execs" ]] || execs="$(grep -oE 'exec/s: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)"
  units="$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -1)"
  [[ -n "$units" ]] || units="$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')"
  edges="$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)"
  corpus_units="$(find "$corpus" -type f | wc -l)"
  if [[ $status -eq 0 ]]; then
    result="ok"
  else
    failed=$((failed + 1))
    kind="$(grep -oE 'ERROR: libFuzzer: [a-z-]+|ERROR: AddressSanitizer: [a-zA-Z-]+|runtime error|ERROR: UndefinedBehaviorSanitizer' "$log" | head -1)"
    reproducer="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)"
    [[ $status -eq 124 || $status -eq 137 ]] && kind="${kind:+$kind, }killed by the outer timeout"
    result="FAILED (exit $status${kind:+, $kind}) reproducer: ${reproducer:-none written} log: $log"
    echo "---- $name: last lines of $log"
    grep -E '^(==|SUMMARY|    #[0-9]+ |.*runtime error|.*Test unit written|.*deadly signal|.*ERROR)' "$log" | head -40
    if [[ -n "$reproducer" && -f "$reproducer" ]]; then
      reproducers+=("$name: $reproducer")
      echo "---- $name: reproducer $reproducer ($(wc -c <"$reproducer") bytes); re-run it with:"
      echo "  ASAN_OPTIONS=allocator_release_to_os_interval_ms=-1 $binary $reproducer"
      # Small inputs also go into the log itself, for when the machine's /tmp is gone.
      if [[ $(wc -c <"$reproducer") -le 4096 ]]; then
        echo "  reproducer bytes (base64): $(base64 -w0 "$reproducer")"
      fi
    fi
  fi
  line="$(printf '%-28s exec/s %-8s cov %-6s runs %-10s corpus %-5s %s' "$name" "${execs:-?}" "${edges:-?}" \
    "${units:-?}" "$corpus_units" "$result")"
  echo "$line"
  results+=("$line")
done < <(find "$root/build-fuzz" -type f -name '*_fuzzer' -perm -u+x | sort)

echo "== results ($bound)"
printf '%s\n' "${results[@]}"
if [[ $ran -eq 0 ]]; then
  echo "SUMMARY: no *_fuzzer binaries found under build-fuzz" >&2
  exit 2
fi
if [[ $failed -gt 0 ]]; then
  for reproducer in "${reproducers[@]}"; do echo "reproducer: $reproducer"; done
  echo "SUMMARY: $failed of $ran fuzz targets failed ($bound); reproducers and logs kept in $work/artifacts and $work"
  exit 1
fi
rm -rf "$work/corpus"
echo "SUMMARY: $ran fuzz targets ran without a crash ($bound); logs in $work"
exit 0
