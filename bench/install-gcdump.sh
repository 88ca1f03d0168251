#!/usr/bin/env bash
# Installs dotnet-gcdump (Microsoft's, from NuGet) into castd's tool cache if missing and prints its path. The bench
# scripts use it to induce the full GCs their live-heap rules compare: DOTNET_GCDUMP="$(bench/install-gcdump.sh)".
set -euo pipefail
tools="${XDG_CACHE_HOME:-$HOME/.cache}/castd/tools"
[[ -x "$tools/dotnet-gcdump" ]] || dotnet tool install --tool-path "$tools" dotnet-gcdump --version 10.0.750501 >&2
echo "$tools/dotnet-gcdump"
