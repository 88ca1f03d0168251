#!/usr/bin/env bash
# Runs the benchmarks listed in bench/allocation-budgets.txt with a short job (1 launch, 1 warmup, 3 iterations:
# allocation is deterministic, so few iterations suffice; timings are indicative only) and fails if
# any of them allocated more per operation than its budget, or did not report at all (a crashed benchmark
# must not pass). Takes about a minute and a half; prints one table.
#
# The run holds the shared build lock ($CASTD_BUILD_LOCK, default /tmp/castd-build.lock) so no build on the
# same cores disturbs it. Set CASTD_BUILD_LOCK= (empty) when the caller holds the lock already or in CI.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
budgets="$root/bench/allocation-budgets.txt"
lock="${CASTD_BUILD_LOCK-/tmp/castd-build.lock}"
artifacts="$(mktemp -d)"
trap 'rm -rf "$artifacts"' EXIT

filters=()
while read -r name _; do
  filters+=("*.$name")
done < <(grep -Ev '^\s*(#|$)' "$budgets")

run=(dotnet run -c Release --project "$root/bench" -- --launchCount 1 --warmupCount 1 --iterationCount 3 --exporters json --artifacts "$artifacts" --filter "${filters[@]}")
if [[ -n "$lock" ]]; then
  flock "$lock" "${run[@]}"
else
  "${run[@]}"
fi

python3 - "$budgets" "$artifacts/results" <<'PY'
import glob, json, os, sys

budgets_path, results_dir = sys.argv[1], sys.argv[2]
budgets = {}
with open(budgets_path) as f:
    for line in f:
        line = line.split("#", 1)[0].split()
        if line:
            budgets[line[0]] = int(line[1])

measured = {}
for path in glob.glob(os.path.join(results_dir, "*.json")):
    with open(path) as f:
        for b in json.load(f)["Benchmarks"]:
            name = f'{b["Type"]}.{b["Method"]}'
            mean_ns = b["Statistics"]["Mean"] if b.get("Statistics") else None
            allocated = b["Memory"]["BytesAllocatedPerOperation"] if b.get("Memory") else None
            measured[name] = (mean_ns, allocated)

failed = False
print(f'{"Benchmark":<50} {"ns/op":>9} {"ops/s":>14} {"B/op":>6} {"budget":>7}  result')
for name, budget in budgets.items():
    mean_ns, allocated = measured.get(name, (None, None))
    if mean_ns is None or allocated is None:
        failed = True
        print(f'{name:<50} {"-":>9} {"-":>14} {"-":>6} {budget:>7}  MISSING')
        continue
    ok = allocated <= budget
    failed |= not ok
    print(f'{name:<50} {mean_ns:>9.2f} {1e9 / mean_ns:>14,.0f} {allocated:>6} {budget:>7}  {"ok" if ok else "OVER BUDGET"}')
sys.exit(1 if failed else 0)
PY
