#!/usr/bin/env bash
# The test command (README, .ci/run): formatting check, every test that is not a long stress run, and the
# allocation budgets of the hot path.
# Needs only the .NET SDK: the suites start real castd processes, sockets and RocksDB directories themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet format Daemon.sln --verify-no-changes --verbosity quiet
dotnet test Daemon.sln -c Release --filter "Category!=Stress" --logger "console;verbosity=normal" "$@"
# Hot-path allocation budgets (0 B per packet), checked with BenchmarkDotNet's MemoryDiagnoser.
CASTD_BUILD_LOCK= ./scripts/check-allocations.sh
