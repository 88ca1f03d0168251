#!/usr/bin/env bash
# Fast start (issue 12, docs/playback.md): time to first decoded frame over joins at random moments, with and without fast
# start, and what the GOP cache costs viewers already live. castd, castload and ffmpeg all on loopback.
#   bench/faststart/run.sh           full run (about 10 minutes): writes bench/faststart/RESULTS.md and bench/faststart/faststart-first-frame.png
#   bench/faststart/run.sh --smoke   about a minute: a few joins per mode, fails if a join decoded nothing
set -euo pipefail
cd "$(dirname "$0")/../.."
python=/usr/bin/python3
missing=()
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
[[ " $* " == *" --smoke "* ]] || $python -c "import matplotlib" 2>/dev/null || missing+=(python3-matplotlib)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}" >&2
  [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
lock="${CASTD_BUILD_LOCK-/tmp/castd-build.lock}"
if [[ -n "$lock" ]]; then
  flock "$lock" bash -c "dotnet build -c Release -v quiet -nologo src/Daemon/Daemon.csproj >&2 && dotnet build -c Release -v quiet -nologo src/Castload/Castload.csproj >&2"
else
  dotnet build -c Release -v quiet -nologo src/Daemon/Daemon.csproj >&2
  dotnet build -c Release -v quiet -nologo src/Castload/Castload.csproj >&2
fi
./scripts/make-test-media.sh tests/media/out >/dev/null
exec $python bench/faststart/run.py "$@"
