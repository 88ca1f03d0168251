#!/usr/bin/env bash
# Chat benchmark (issue 5): castd against castload chat on this machine.
#   bench/chat/run.sh           full run (about 15 minutes): writes bench/chat/RESULTS.md and bench/chat/chat-latency.png
#   bench/chat/run.sh --smoke   about half a minute; fails if a user was cut or nothing was delivered (CI)
set -euo pipefail
cd "$(dirname "$0")/../.."
python=/usr/bin/python3
if [[ " $* " != *" --smoke "* ]] && ! $python -c "import matplotlib" 2>/dev/null; then
  [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-matplotlib >/dev/null
fi
dotnet build -c Release -v quiet -nologo src/Daemon/Daemon.csproj >&2
dotnet build -c Release -v quiet -nologo src/Castload/Castload.csproj >&2
exec $python bench/chat/run.py "$@"
