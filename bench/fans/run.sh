#!/usr/bin/env bash
# Live-event rehearsal on this machine (issue 7): castload source → castd → castload fans, then castload report.
#   bench/fans/run.sh [users] [seconds]   default 2000 fans for 60 s (about 2 minutes in all); writes
#   bench/fans/RESULTS.md, bench/fans/report.html and bench/fans/fans-report.png (the report as a picture)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build -c Release -v quiet -nologo src/Daemon/Daemon.csproj >&2
dotnet build -c Release -v quiet -nologo src/Castload/Castload.csproj >&2
command -v chromium >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
exec /usr/bin/python3 bench/fans/run.py "$@"
