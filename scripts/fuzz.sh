#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers (issue 9) with AFL++ and SharpFuzz, one target at a time, niced.
#
#   scripts/fuzz.sh [TARGET|all] [--minutes N]      targets: source-frame viewer-handshake chat-request ts-scanner
#
# Installs afl++ (Debian) and the SharpFuzz.CommandLine tool (.config/dotnet-tools.json), publishes fuzz/Runner,
# instruments Castd.Protocol.dll in the published copy only, then runs afl-fuzz for N minutes (default 10) per target
# on fuzz/corpus/TARGET with fuzz/dict/TARGET.dict, printing AFL++'s status lines. Afterwards the corpus and the
# new queue entries are minimised together with afl-cmin back into fuzz/corpus/TARGET (commit it: CI replays it in
# tests/Protocol/FuzzCorpusReplayTests.cs). Crashing inputs are copied to fuzz/out/crashes/TARGET and make the
# script exit 1. Findings and working files stay in fuzz/out (gitignored).
#
# The fuzzer runs under nice -n 19 without pinning a core (AFL_NO_AFFINITY): on a shared machine it takes idle CPU
# only. Only the publish takes the shared build lock (CASTD_BUILD_LOCK, default /tmp/castd-build.lock; empty: none).
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(source-frame viewer-handshake chat-request ts-scanner)
targets=()
minutes=10
while (($#)); do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    all) targets=("${all_targets[@]}"); shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
  [[ -d "fuzz/corpus/$target" ]] || { echo "unknown target $target (have: ${all_targets[*]})" >&2; exit 2; }
done

if ! command -v afl-fuzz >/dev/null; then
  [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi
dotnet tool restore >/dev/null

bin=fuzz/out/bin
# afl-cmin wants the interpreter by its path.
dotnet="$(readlink -f "$(command -v dotnet)")"
lock="${CASTD_BUILD_LOCK-/tmp/castd-build.lock}"
rm -rf "$bin"
${lock:+flock "$lock"} dotnet publish fuzz/Runner/Runner.csproj -c Release -o "$bin" --nologo -v quiet
# Only the code under test is instrumented: the targets' own checks and the framework add no coverage worth steering by.
dotnet tool run sharpfuzz "$bin/Castd.Protocol.dll"

# dotnet is not an AFL-instrumented binary (SharpFuzz speaks the fork-server protocol from inside the managed code);
# a .NET exception is reported as a crash by SharpFuzz itself, so no core dump handler is needed.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_UI=1
crashed=0
for target in "${targets[@]}"; do
  findings="fuzz/out/findings/$target"
  rm -rf "$findings"
  mkdir -p "$(dirname "$findings")"
  echo "== $target: fuzzing for $minutes min (progress every few seconds) =="
  # -t: a JIT-compiling first run takes a while; a parser input needs far less. -m none: the CLR reserves far more
  # virtual memory than AFL's default limit.
  nice -n 19 afl-fuzz -i "fuzz/corpus/$target" -o "$findings" -x "fuzz/dict/$target.dict" -V $((minutes * 60)) \
    -t 2000 -m none -- "$dotnet" "$bin/Castd.Fuzz.dll" "$target" || true

  stats="$findings/default/fuzzer_stats"
  [[ -f "$stats" ]] || { echo "afl-fuzz left no statistics for $target" >&2; exit 1; }
  grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|edges_found|total_edges|saved_crashes|saved_hangs) ' "$stats"

  crashes=("$findings"/default/crashes/id:*)
  if [[ -e "${crashes[0]}" ]]; then
    mkdir -p "fuzz/out/crashes/$target"
    cp "${crashes[@]}" "fuzz/out/crashes/$target/"
    echo "!! $target: ${#crashes[@]} crashing inputs in fuzz/out/crashes/$target" >&2
    crashed=1
  fi

  # Minimise the committed corpus and the new queue entries into the smallest set with the same coverage.
  merged="fuzz/out/merge/$target"
  minimised="fuzz/out/minimised/$target"
  rm -rf "$merged" "$minimised"
  mkdir -p "$merged"
  cp "fuzz/corpus/$target"/* "$merged/"
  for entry in "$findings"/default/queue/id:*; do
    [[ -e "$entry" ]] || continue
    cp "$entry" "$merged/$(sha1sum "$entry" | cut -c1-16)"
  done
  nice -n 19 afl-cmin -i "$merged" -o "$minimised" -t 2000 -m none -- "$dotnet" "$bin/Castd.Fuzz.dll" "$target" >/dev/null
  # Hand-named seeds (and findings) say what the grammar looks like: they stay even when the queue covers them.
  for kept in "fuzz/corpus/$target"/*; do
    [[ "$(basename "$kept")" =~ ^[0-9a-f]{16}$ ]] || cp "$kept" "$minimised/"
  done
  rm -rf "fuzz/corpus/$target"
  mv "$minimised" "fuzz/corpus/$target"
  echo "== $target: corpus $(ls "fuzz/corpus/$target" | wc -l) files, $(cat "fuzz/corpus/$target"/* | wc -c) bytes =="
done
exit "$crashed"
