#!/usr/bin/env bash
# Fan-out comparison (issue 3): castd against Redis pub/sub, NATS core, a raw-socket writer and iperf3, all on
# loopback, all driven by the same client (castload bench fanout). Installs what is missing from Debian.
#   bench/fanout/run.sh           full run (about 25 minutes): writes bench/fanout/RESULTS.md and bench/fanout/fanout-max-rate.png
#   bench/fanout/run.sh --smoke   about a minute, prints the table and fails if any target delivered nothing (CI)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/sbin:/sbin"

missing=()
need() { command -v "$1" >/dev/null || missing+=("$2"); }
need redis-server redis-server
need nats-server nats-server
need iperf3 iperf3
# Debian's python3 (with Debian's matplotlib), whatever python3 comes first on PATH.
python=/usr/bin/python3
[[ " $* " == *" --smoke "* ]] || $python -c "import matplotlib" 2>/dev/null || missing+=(python3-matplotlib)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}" >&2
  [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Debian starts the packaged services where systemd runs; the benchmark starts its own on other ports.

dotnet build -c Release -v quiet -nologo src/Daemon/Daemon.csproj >&2
dotnet build -c Release -v quiet -nologo src/Castload/Castload.csproj >&2
exec $python bench/fanout/compare.py "$@"
