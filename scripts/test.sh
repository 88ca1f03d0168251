#!/usr/bin/env bash
# The test command (README, .ci/run): formatting check, every test that is not a long stress run (the chat page in a
# real browser included), the allocation budgets of the hot path, the fan-out and chat benchmark harnesses in smoke
# mode, and the .deb: built, checked (layout, lintian, the unit, the notify protocol) and installed in a booted Debian 12.
# Needs the .NET SDK; scripts/install-test-deps.sh installs the rest from Debian and npm; the suites start real castd
# processes, sockets, RocksDB directories and a headless browser themselves. Tests marked [Trait("Category", "Stress")]
# run with scripts/stress.sh instead. Each stage's time is printed as it ends, and all of them again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
timings=()
# Runs one stage (its command and arguments) and records how long it took.
stage() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  timings+=("$(printf '%5ds  %s' $((SECONDS - start)) "$name")")
  echo "== stage '$name' done in $((SECONDS - start)) s" >&2
}
log="$(mktemp)"
trap 'rm -f "$log"; echo "== stage times" >&2; ((${#timings[@]} == 0)) || printf "%s\n" "${timings[@]}" >&2' EXIT

# CI keeps only the end of the output, so a failed test's name, message and stack are repeated after the summary.
test_suites() {
  if ! dotnet test Daemon.sln -c Release --filter "Category!=Stress" --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"; then
    echo "--- the failed tests again ---"
    awk '/^ +Failed [[:alnum:]]/ { show = 1; lines = 0 } /^ +Passed |^\[xUnit/ { show = 0 } show && lines++ < 60' "$log"
    return 1
  fi
}

stage "install test tools" ./scripts/install-test-deps.sh
stage "format" dotnet format Daemon.sln --verify-no-changes --verbosity quiet
stage "commit subjects" ./scripts/check-commits.sh
# The MPEG-TS media (ffmpeg, ~7 s of both cores on a clean clone) is made before the suite rather than by its first
# media test, so no timed test shares the cores with the encoder; the suite's own call then finds it up to date.
stage "test media" ./scripts/make-test-media.sh --demo >/dev/null
stage "test suites" test_suites "$@"
# Hot-path allocation budgets (0 B per packet), checked with BenchmarkDotNet's MemoryDiagnoser.
CASTD_BUILD_LOCK='' stage "allocation budgets" ./scripts/check-allocations.sh
# The fan-out comparison in smoke mode (a few seconds per target), so the harness cannot rot: fails if castd,
# Redis, NATS or the ceiling writer delivered nothing. Installs redis-server, nats-server and iperf3 if missing.
stage "fan-out smoke" ./bench/fanout/run.sh --smoke >/dev/null
# The chat benchmark in smoke mode: fails if a chat user was cut or nothing was delivered.
stage "chat smoke" ./bench/chat/run.sh --smoke >/dev/null
# Fast start in smoke mode: a few timed joins per mode and the cache-on/off comparisons; fails if a join decoded nothing.
CASTD_BUILD_LOCK='' stage "fast-start smoke" ./bench/faststart/run.sh --smoke >/dev/null
# The .deb (issue 8): one build for both suites. test.sh: dpkg-deb layout, lintian, systemd-analyze, the notify
# protocol; test-systemd.sh: a debootstrapped Debian 12 booted under systemd-nspawn (root cached in /var/cache).
deb_build() { deb="$(CASTD_BUILD_LOCK='' ./packaging/deb/build.sh | tail -1)"; }
stage ".deb build" deb_build
CASTD_BUILD_LOCK='' stage ".deb checks" ./packaging/deb/test.sh "$deb"
CASTD_BUILD_LOCK='' stage ".deb under systemd" ./packaging/deb/test-systemd.sh "$deb"
