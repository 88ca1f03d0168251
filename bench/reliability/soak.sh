#!/usr/bin/env bash
# Soak (issue 9): builds, makes the demo media, installs matplotlib and dotnet-gcdump if missing, runs bench/reliability/soak.py.
#   bench/reliability/soak.sh [--minutes 30] [--smoke] [--synthetic] [--seed 1]   about 31 minutes by default
set -euo pipefail
cd "$(dirname "$0")/../.."
flock /tmp/castd-build.lock dotnet build Daemon.sln -c Release -v quiet -nologo >&2
scripts/make-test-media.sh --demo >&2
python=/usr/bin/python3
if ! $python -c "import matplotlib" 2>/dev/null; then
  [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 python3-matplotlib >/dev/null
fi
DOTNET_GCDUMP="$(bench/install-gcdump.sh)" exec $python bench/reliability/soak.py "$@"
