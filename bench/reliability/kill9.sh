#!/usr/bin/env bash
# Crash safety (issue 9): builds, installs matplotlib if missing, runs bench/reliability/kill9.py.
#   bench/reliability/kill9.sh [--rounds 20] [--users 64]   about 1.5 minutes for 20 rounds
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/reliability/prepare.sh
exec $python bench/reliability/kill9.py "$@"
