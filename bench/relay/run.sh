#!/usr/bin/env bash
# Latency added per relay tier (issue 11): castload source -> origin castd -> 2 edge castd, with framed viewers on the
# origin and on both edges in the same run, so every group sees the same packets at the same moment. Each payload
# carries its send time (castload source stamps it), so a viewer's latency is source -> viewer; an edge viewer's
# minus an origin viewer's is what the relay hop added. One channel at 475 packets/s of 1316 bytes (5 Mbit/s, a
# viewer's stream in the million-viewer plan), VIEWERS per group; medians over RUNS runs of SECONDS each.
#   VIEWERS=100 RUNS=3 SECONDS_PER_RUN=15 bench/relay/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
VIEWERS=${VIEWERS:-100} RUNS=${RUNS:-3} SECONDS_PER_RUN=${SECONDS_PER_RUN:-15} RATE=${RATE:-475}
OUT=${OUT:-bench/relay/out}
lock() { if [[ -v CASTD_BUILD_LOCK ]]; then "$@"; else flock /tmp/castd-build.lock "$@"; fi; }
lock dotnet build -c Release -v quiet -nologo src/Daemon/Daemon.csproj >/dev/null
lock dotnet build -c Release -v quiet -nologo src/Castload/Castload.csproj >/dev/null
CASTD="dotnet src/Daemon/bin/Release/net10.0/castd.dll"
CASTLOAD="dotnet src/Castload/bin/Release/net10.0/castload.dll"
rm -rf "$OUT" && mkdir -p "$OUT"

SOURCE=17410 RELAY=17420
declare -A HTTP=([origin]=17481 [edge-a]=17482 [edge-b]=17483) STREAM=([origin]=17491 [edge-a]=17492 [edge-b]=17493)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
start() { # name source-port [relay-port]
  env SERVER_HOST=127.0.0.1 SERVER_PORT="${HTTP[$1]}" STREAM_HOST=127.0.0.1 STREAM_PORT="${STREAM[$1]}" \
    CHANNEL_SOURCE_HOST=127.0.0.1 CHANNEL_SOURCE_PORT="$2" CASTD_RELAY_HOST=127.0.0.1 CASTD_RELAY_PORT="${3:-0}" \
    CASTD_DATA_DIR="$OUT/$1-data" CASTD_MAX_STREAMS_PER_USER=1000000 CASTD_SOURCE_RECONNECT_MAX_MS=100 CASTD_VIEWER_CONNECTS_EXEMPT=127.0.0.1 \
    $CASTD >"$OUT/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 150); do curl -fs "http://127.0.0.1:${HTTP[$1]}/healthz" >/dev/null && break; sleep 0.1; done
  curl -fs -d bench "http://127.0.0.1:${HTTP[$1]}/register"
}
start origin "$SOURCE" "$RELAY"
start edge-a "$RELAY"
start edge-b "$RELAY"
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# One source for every run: a source restarted with fewer than a window (1024) of packets sent would look, to an
# edge whose relay connection stays up, like late packets rather than a restart.
$CASTLOAD source --port "$SOURCE" --channels relay1 --rate "$RATE" --payload 1316 >"$OUT/source.log" 2>&1 &
pids+=($!)
sleep 2
for run in $(seq "$RUNS"); do
  viewers=()
  for name in origin edge-a edge-b; do
    $CASTLOAD view --framed --stream "127.0.0.1:${STREAM[$name]}" --user bench --channel relay1 --count "$VIEWERS" \
      --duration "${SECONDS_PER_RUN}s" >"$OUT/$name-$run.txt" 2>&1 &
    viewers+=($!)
  done
  wait "${viewers[@]}" || true
  sleep 1
done

figure() { # file field: packets/s, p50, p99
  case $2 in
    pps) sed -n 's/^packets: [0-9]* (\([0-9]*\) packets\/s)/\1/p' "$1" ;;
    p50) sed -n 's/^latency ms: p50 \([0-9.]*\) .*/\1/p' "$1" ;;
    p99) sed -n 's/^latency ms: p50 [0-9.]* p99 \([0-9.]*\) .*/\1/p' "$1" ;;
  esac
}
echo "# Relay tiers: 1 channel, $RATE packets/s x 1316 B, $VIEWERS framed viewers per castd, $(nproc) cores (shared), medians of $RUNS runs of ${SECONDS_PER_RUN}s"
echo
echo "| viewers on | delivered packets/s (group) | latency p50 ms | p99 ms | added vs origin p50 ms | added p99 ms | gaps/out-of-order per run |"
echo "|---|---:|---:|---:|---:|---:|---|"
o50=$(for r in $(seq "$RUNS"); do figure "$OUT/origin-$r.txt" p50; done | median)
o99=$(for r in $(seq "$RUNS"); do figure "$OUT/origin-$r.txt" p99; done | median)
for name in origin edge-a edge-b; do
  pps=$(for r in $(seq "$RUNS"); do figure "$OUT/$name-$r.txt" pps; done | median)
  p50=$(for r in $(seq "$RUNS"); do figure "$OUT/$name-$r.txt" p50; done | median)
  p99=$(for r in $(seq "$RUNS"); do figure "$OUT/$name-$r.txt" p99; done | median)
  # Added per tier, run by run (same packets, same moment), then the median.
  a50=$(for r in $(seq "$RUNS"); do echo "$(figure "$OUT/$name-$r.txt" p50) $(figure "$OUT/origin-$r.txt" p50)"; done | awk '{print $1-$2}' | median)
  a99=$(for r in $(seq "$RUNS"); do echo "$(figure "$OUT/$name-$r.txt" p99) $(figure "$OUT/origin-$r.txt" p99)"; done | awk '{print $1-$2}' | median)
  checks=$(for r in $(seq "$RUNS"); do sed -n 's/^gaps: \([0-9]*\), out-of-order: \([0-9]*\).*/\1\/\2/p' "$OUT/$name-$r.txt"; done | paste -sd' ')
  echo "| $name | $pps | $p50 | $p99 | $a50 | $a99 | $checks |"
done
