#!/usr/bin/env bash
# End-to-end fan-out benchmark: castload source -> castd -> N raw viewers of one channel, all on loopback.
# castd never slows its source for a viewer (docs/viewers.md), so "full speed" means: the highest source rate at which
# no viewer falls behind its budget. The script steps the source rate and, per step, reports the median over
# RUNS runs of what the viewers received and how many castd cut as slow.
#   VIEWERS=100 RATES="2000 4000 8000" RUNS=3 STEP_SECONDS=6 bench/e2e/fanout.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

VIEWERS=${VIEWERS:-100}
RATES=${RATES:-"1000 2000 4000 8000 16000 32000"}
RUNS=${RUNS:-3}
STEP_SECONDS=${STEP_SECONDS:-6}
PAYLOAD=${PAYLOAD:-1316}
OUT=${OUT:-bench/e2e/out}
export SERVER_HOST=127.0.0.1 SERVER_PORT=18080 STREAM_HOST=127.0.0.1 STREAM_PORT=19111
export CHANNEL_SOURCE_HOST=127.0.0.1 CHANNEL_SOURCE_PORT=19110 CASTD_SOURCE_RECONNECT_MAX_MS=100
# Every viewer watches as the one user "bench": lift the per-account stream limit (docs/sessions.md) for the benchmark.
export CASTD_MAX_STREAMS_PER_USER=1000000
# ...and every viewer connects from 127.0.0.1, faster than one address may (CASTD_VIEWER_CONNECTS_PER_ADDRESS).
export CASTD_VIEWER_CONNECTS_EXEMPT=127.0.0.1
export CASTD_DATA_DIR="$OUT/data"

dotnet build -c Release -v quiet -nologo src/Daemon/Daemon.csproj >/dev/null
dotnet build -c Release -v quiet -nologo src/Castload/Castload.csproj >/dev/null
CASTLOAD="dotnet src/Castload/bin/Release/net10.0/castload.dll"
rm -rf "$OUT" && mkdir -p "$OUT"

dotnet src/Daemon/bin/Release/net10.0/castd.dll >"$OUT/castd.log" 2>&1 &
castd=$!
trap 'kill $castd 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$SERVER_PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -fs -d bench "http://127.0.0.1:$SERVER_PORT/register"

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "# castd end-to-end fan-out: 1 channel, $VIEWERS raw viewers, $PAYLOAD-byte payloads, $(nproc) cores, medians of $RUNS runs of ${STEP_SECONDS}s"
echo
echo "| source rate (packets/s) | delivered packets/s (all viewers) | delivered MB/s | Gbit/s | viewers cut as slow |"
echo "|---:|---:|---:|---:|---:|"
for rate in $RATES; do
  : >"$OUT/rate-$rate.txt"
  for run in $(seq "$RUNS"); do
    $CASTLOAD source --port "$CHANNEL_SOURCE_PORT" --channels bench1 --rate "$rate" --payload "$PAYLOAD" \
      --duration "$((STEP_SECONDS + 3))s" >>"$OUT/source.log" 2>&1 &
    source=$!
    sleep 1
    $CASTLOAD view --stream "127.0.0.1:$STREAM_PORT" --user bench --channel bench1 --count "$VIEWERS" \
      --duration "${STEP_SECONDS}s" >"$OUT/view-$rate-$run.txt" 2>&1 || true
    bytes=$(awk '/^bytes:/ {print $2}' "$OUT/view-$rate-$run.txt")
    secs=$(awk '/^viewers:/ {print $(NF-1)}' "$OUT/view-$rate-$run.txt")
    cut=$(sed -n 's/.*refused, \([0-9]*\) closed by castd.*/\1/p' "$OUT/view-$rate-$run.txt")
    echo "$bytes $secs $cut" >>"$OUT/rate-$rate.txt"
    kill "$source" 2>/dev/null; wait "$source" 2>/dev/null || true
    sleep 0.5
  done
  bps=$(awk '{print $1/$2}' "$OUT/rate-$rate.txt" | median)
  cut=$(awk '{print $3}' "$OUT/rate-$rate.txt" | median)
  awk -v r="$rate" -v b="$bps" -v p="$PAYLOAD" -v c="$cut" \
    'BEGIN {printf "| %d | %.0f | %.1f | %.2f | %s |\n", r, b/p, b/1e6, b*8/1e9, c}'
done
