#!/usr/bin/env bash
# Session benchmarks (issue 4): heartbeats/s with wrk against GET /streaming over 10,000 live sessions, and the
# cost of admitting viewers: connect to first stream byte for a burst of 1,000 viewers joining a live channel at
# once, and for viewers joining one at a time (the wait for the channel's next packet, up to 20 ms, is included).
#   bench/sessions/run.sh        (about 40 s; installs wrk from Debian if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

OUT=bench/sessions/out
rm -rf "$OUT" && mkdir -p "$OUT"
export SERVER_HOST=127.0.0.1 SERVER_PORT=18081 STREAM_HOST=127.0.0.1 STREAM_PORT=19112
export CHANNEL_SOURCE_HOST=127.0.0.1 CHANNEL_SOURCE_PORT=19113 CASTD_DATA_DIR="$OUT/data" CASTD_SESSION_TTL=120s
# The crowd connects from 127.0.0.1 faster than one address may (CASTD_VIEWER_CONNECTS_PER_ADDRESS).
export CASTD_VIEWER_CONNECTS_EXEMPT=127.0.0.1
dotnet build -c Release -v quiet -nologo src/Daemon/Daemon.csproj >/dev/null
dotnet build -c Release -v quiet -nologo src/Castload/Castload.csproj >/dev/null
CASTLOAD="dotnet src/Castload/bin/Release/net10.0/castload.dll"

dotnet src/Daemon/bin/Release/net10.0/castd.dll >"$OUT/castd.log" 2>&1 &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$SERVER_PORT/healthz" >/dev/null && break; sleep 0.1; done

echo "# castd sessions: $(nproc) cores, wrk and castd on the same machine"
python3 bench/sessions/open_sessions.py "$SERVER_PORT" put hb- 10000
echo
echo "## Heartbeats: wrk -t2 -c64 -d10s, GET /streaming round-robin over 10,000 live sessions"
wrk -t2 -c64 -d10s --latency -s bench/sessions/heartbeat.lua "http://127.0.0.1:$SERVER_PORT" | tee "$OUT/wrk.txt" | sed 's/^/    /'

echo
echo "## Admission: connect to first stream byte on a live 50 packets/s channel (1316-byte payloads; a packet every 20 ms)"
python3 bench/sessions/open_sessions.py "$SERVER_PORT" register adm- 1000
$CASTLOAD source --port "$CHANNEL_SOURCE_PORT" --channels adm001 --rate 50 --duration 60s >"$OUT/source.log" 2>&1 &
pids+=($!)
sleep 2
# Warm-up: the first viewers pay the JIT for the viewer path in castd and in the client.
$CASTLOAD view --stream "127.0.0.1:$STREAM_PORT" --user 'adm-{i}' --channel adm001 --count 100 --duration 1s >/dev/null
echo "### 1,000 viewers joining at once"
$CASTLOAD view --stream "127.0.0.1:$STREAM_PORT" --user 'adm-{i}' --channel adm001 --count 1000 --duration 4s | sed 's/^/    /'
echo "### 300 viewers joining one every 10 ms"
$CASTLOAD view --stream "127.0.0.1:$STREAM_PORT" --user 'adm-{i}' --channel adm001 --count 300 --ramp 10ms --duration 5s | sed 's/^/    /'
