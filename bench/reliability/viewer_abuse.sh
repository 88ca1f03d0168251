#!/usr/bin/env bash
# Viewer abuse at scale (issue 9): installs what it needs from Debian and dotnet-gcdump, builds, runs bench/reliability/viewer_abuse.py.
#   bench/reliability/viewer_abuse.sh           full run, about 6 minutes: 9,900 healthy viewers, 3 × clean/abused/held
#   bench/reliability/viewer_abuse.sh --smoke   about 1.5 minutes at a tenth of the load (accounting and cuts, not the ratio)
#   bench/reliability/viewer_abuse.sh --split-cores   castd on CPU 0, every client on CPU 1 (an experiment, bench/reliability/RESULTS.md runs J-R)
# As root: the half-open sockets are made with iptables rules on lo (removed at exit).
set -euo pipefail
cd "$(dirname "$0")/../.."
python=/usr/bin/python3
packages=()
command -v iptables >/dev/null || packages+=(iptables)
command -v gcc >/dev/null || packages+=(gcc libc6-dev)
[[ " $* " == *" --smoke "* ]] || $python -c "import matplotlib" 2>/dev/null || packages+=(python3-matplotlib)
if ((${#packages[@]})); then
  [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
# One build at a time on this machine (CASTD_BUILD_LOCK= skips the lock when the caller holds it).
lock=${CASTD_BUILD_LOCK-/tmp/castd-build.lock}
${lock:+flock "$lock"} dotnet build -c Release -v quiet -nologo src/Daemon/Daemon.csproj >&2
${lock:+flock "$lock"} dotnet build -c Release -v quiet -nologo src/Castload/Castload.csproj >&2
refuser="${TMPDIR:-/tmp}/castd-minimal-refuser"
gcc -O2 -Wall -o "$refuser" bench/reliability/minimal_refuser.c
MINIMAL_REFUSER="$refuser" DOTNET_GCDUMP="$(bench/install-gcdump.sh)" exec $python bench/reliability/viewer_abuse.py "$@"
