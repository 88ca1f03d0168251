#!/usr/bin/env bash
# Session admissions and heartbeats per second through Redis (issue 11), with the store castd itself uses
# (IStateBackend, asynchronous calls, many in flight at once, as castd's concurrent requests make them), against one
# redis-server and against a 3-master Redis Cluster on loopback; Redis commands per heartbeat from commandstats
# deltas (EVALSHA/EVAL are the round trips; the commands a script runs inside are listed too).
#   bench/redis/run.sh [runs]     (default 3 runs of each; about 2 minutes; installs redis-server if missing)
# The caller holds /tmp/castd-build.lock when CASTD_BUILD_LOCK= is set (as scripts/test.sh does); else this takes it.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${1:-3}
ACCOUNTS=10000 THREADS=32 SECONDS_PER_RUN=5
command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
lock() { if [[ -v CASTD_BUILD_LOCK ]]; then "$@"; else flock /tmp/castd-build.lock "$@"; fi; }

WORK=$(mktemp -d) pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
# Ports whose +10000 cluster-bus twins stay below the ephemeral range.
PORTS=(17301 17302 17303) SINGLE=17311

node() { # port [cluster]
  mkdir -p "$WORK/$1"
  redis-server --port "$1" --bind 127.0.0.1 --daemonize no --dir "$WORK/$1" --save "" --appendonly no \
    ${2:+--cluster-enabled yes --cluster-config-file "$WORK/$1/nodes.conf"} >"$WORK/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do redis-cli -p "$1" ping >/dev/null 2>&1 && return; sleep 0.1; done
}
stats() { # ports...: "evalsha+eval calls" then every cmdstat line summed
  for p in "$@"; do redis-cli -p "$p" info commandstats; done | tr -d '\r' | awk -F'[:=,]' '/^cmdstat/ {c[$1]+=$3; u[$1]+=$5} END {for (k in c) print substr(k, 9), c[k], u[k]}' | sort
}
load() { lock dotnet run SessionStoreLoad.cs -- "$@" 2>&1 | tail -1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

node "$SINGLE"
for p in "${PORTS[@]}"; do node "$p" cluster; done
redis-cli --cluster create "${PORTS[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >/dev/null
for _ in $(seq 100); do redis-cli -p "${PORTS[0]}" cluster info | grep -q cluster_state:ok && break; sleep 0.1; done

echo "# Sessions through Redis: $(nproc) cores (shared), $ACCOUNTS accounts, $THREADS concurrent asynchronous store calls"
for target in single cluster; do
  if [[ $target == single ]]; then config="127.0.0.1:$SINGLE" ports=("$SINGLE"); else config=$(IFS=,; echo "${PORTS[*]/#/127.0.0.1:}") ports=("${PORTS[@]}"); fi
  admits=() beats=()
  for run in $(seq "$RUNS"); do
    admits+=("$(load "$config" admit "$ACCOUNTS" "$THREADS" 0 "r$run-" | awk '{print $4}')")
    for p in "${ports[@]}"; do redis-cli -p "$p" config resetstat >/dev/null; done
    result=$(load "$config" heartbeat "$ACCOUNTS" "$THREADS" "$SECONDS_PER_RUN" "r$run-")
    beats+=("$(awk '{print $4}' <<<"$result")")
    heartbeats=$(awk '{print $2}' <<<"$result")
    stats "${ports[@]}" >"$WORK/$target-$run.stats"
  done
  echo
  echo "## $target ($config)"
  echo "admissions/s (first session of a fresh account), runs: ${admits[*]}; median $(printf '%s\n' "${admits[@]}" | median)"
  echo "heartbeats/s, runs: ${beats[*]}; median $(printf '%s\n' "${beats[@]}" | median)"
  echo "commands in the last heartbeat run ($heartbeats heartbeats; the client's EVAL/SCRIPT LOAD happen once per connection):"
  awk -v n="$heartbeats" '{printf "    %-22s %10d calls  %6.3f per heartbeat  %6.2f us/call\n", $1, $2, $2 / n, $3 / ($2 ? $2 : 1)}' "$WORK/$target-$RUNS.stats"
done
