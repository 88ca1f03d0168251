#!/usr/bin/env bash
# The test command (README, .ci/run): formatting check, then every test that is not a long stress run.
# Needs only the .NET SDK: the suites start real castd processes, sockets and RocksDB directories themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet format Daemon.sln --verify-no-changes --verbosity quiet
dotnet test Daemon.sln -c Release --filter "Category!=Stress" --logger "console;verbosity=normal" "$@"
