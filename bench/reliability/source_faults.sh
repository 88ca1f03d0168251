#!/usr/bin/env bash
# Source faults at scale (issue 9): builds, installs matplotlib if missing, runs bench/reliability/source_faults.py.
#   bench/reliability/source_faults.sh [--seconds 120] [--viewers 1600]   about 2.5 minutes
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/reliability/prepare.sh
exec $python bench/reliability/source_faults.py "$@"
