#!/usr/bin/env bash
# What the test suites need on a fresh Debian 12 machine with the .NET SDK, installed if missing: scripts/test.sh and
# scripts/stress.sh call it, so CI on a clean clone and a newcomer's machine get the same tools.
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
