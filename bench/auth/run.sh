#!/usr/bin/env bash
# What identity and TLS cost castd: admissions with and without tokens, a storm of forged tokens, /live over HTTP and
# HTTPS (bench/auth/run.py says how). Builds castd and castload first.
#   bench/auth/run.sh [--smoke] [--runs N] [--viewers N] [--players L] [--seconds S]   (about 3 minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
lock() { if [[ -v CASTD_BUILD_LOCK ]]; then "$@"; else flock /tmp/castd-build.lock "$@"; fi; }
lock dotnet build src/Daemon/Daemon.csproj -c Release -v q >/dev/null
lock dotnet build src/Castload/Castload.csproj -c Release -v q >/dev/null
command -v openssl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null; }
exec python3 bench/auth/run.py "$@"
