#!/usr/bin/env bash
# The test command (README, .ci/run): formatting check, every test that is not a long stress run (the chat page in a
# real browser included), the allocation budgets of the hot path, the fan-out and chat benchmark harnesses in smoke
# mode, and the .deb: built, checked (layout, lintian, the unit, the notify protocol) and installed in a booted Debian 12.
# Needs the .NET SDK; installs promtool, chromium, openssh-server, ffmpeg (and Node.js if missing) from Debian; the suites start real castd
# processes, sockets, RocksDB directories and a headless browser themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
# promtool (Debian's prometheus package) validates a real /metrics scrape in the suite.
if ! command -v promtool >/dev/null; then
  [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
# The browser tests (chat page, fans report): Debian's chromium, driven by playwright-core from npm (no browser
# download). castload fans' SSH mode is tested against a real sshd: Debian's openssh-server. The MPEG-TS tests scan
# media that Debian's ffmpeg makes (scripts/make-test-media.sh, which the suite runs) and check it with ffprobe.
packages=()
command -v chromium >/dev/null || packages+=(chromium)
command -v npm >/dev/null || packages+=(nodejs npm)
[[ -x /usr/sbin/sshd ]] || packages+=(openssh-server)
command -v ffmpeg >/dev/null || packages+=(ffmpeg)
# The fleet suite (tests/Integration/FleetTests.cs) starts its own redis-server processes, cluster and standalone.
command -v redis-server >/dev/null || packages+=(redis-server)
# The half-open viewer tests (tests/Integration/DeadPeerTests.cs) drop a loopback address's packets with iptables.
command -v iptables >/dev/null || packages+=(iptables)
if ((${#packages[@]})); then
  [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
npm ci --prefix tests/Browser --no-audit --no-fund --silent
dotnet format Daemon.sln --verify-no-changes --verbosity quiet
# The MPEG-TS media (ffmpeg, ~7 s of both cores on a clean clone) is made before the suite rather than by its first
# media test, so no timed test shares the cores with the encoder; the suite's own call then finds it up to date.
./scripts/make-test-media.sh --demo >/dev/null
# CI keeps only the end of the output, so a failed test's name, message and stack are repeated after the summary.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! dotnet test Daemon.sln -c Release --filter "Category!=Stress" --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"; then
  echo "--- the failed tests again ---"
  awk '/^ +Failed [[:alnum:]]/ { show = 1; lines = 0 } /^ +Passed |^\[xUnit/ { show = 0 } show && lines++ < 60' "$log"
  exit 1
fi
# Hot-path allocation budgets (0 B per packet), checked with BenchmarkDotNet's MemoryDiagnoser.
CASTD_BUILD_LOCK= ./scripts/check-allocations.sh
# The fan-out comparison in smoke mode (a few seconds per target), so the harness cannot rot: fails if castd,
# Redis, NATS or the ceiling writer delivered nothing. Installs redis-server, nats-server and iperf3 if missing.
./bench/fanout/run.sh --smoke >/dev/null
# The chat benchmark in smoke mode: fails if a chat user was cut or nothing was delivered.
./bench/chat/run.sh --smoke >/dev/null
# Fast start in smoke mode: a few timed joins per mode and the cache-on/off comparisons; fails if a join decoded nothing.
CASTD_BUILD_LOCK= ./bench/faststart/run.sh --smoke >/dev/null
# The .deb (issue 8): one build for both suites. test.sh: dpkg-deb layout, lintian, systemd-analyze, the notify
# protocol; test-systemd.sh: a debootstrapped Debian 12 booted under systemd-nspawn (root cached in /var/cache).
deb="$(CASTD_BUILD_LOCK= ./packaging/deb/build.sh | tail -1)"
CASTD_BUILD_LOCK= ./packaging/deb/test.sh "$deb"
CASTD_BUILD_LOCK= ./packaging/deb/test-systemd.sh "$deb"
