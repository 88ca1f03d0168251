#!/usr/bin/env bash
# The slow suites: tests marked [Trait("Category", "Stress")] (many rounds of racing admissions, a source flapping under
# load, castload's faulty source end to end), left out of scripts/test.sh to keep CI short. Same tools, same build.
#   scripts/stress.sh [dotnet test arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-test-deps.sh
./scripts/make-test-media.sh --demo >/dev/null
dotnet test Daemon.sln -c Release --filter "Category=Stress" --logger "console;verbosity=normal" "$@"
