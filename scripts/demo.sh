#!/usr/bin/env bash
# The castd demo (README): builds castd and castload, starts a simulated channel source and castd on loopback,
# registers five users, lets them watch for a while like the original demo (users 1 and 4 on zato01, 2 and 5 on
# zato02, 3 on a channel that never goes live), saves what each received as .ts files, prints each user's usage,
# and stops everything by itself. The channels carry real media (docs/playback.md): an H.264 + AAC file made by Debian's
# ffmpeg (installed if missing), replayed by castload source at its own pace, so every saved file plays. castd asks for
# tokens (docs/security.md): the demo makes a key, mints each user's token with `castd token`, and shows a viewer
# without one refused.
set -euo pipefail
cd "$(dirname "$0")/.."

WATCH_SECONDS=${WATCH_SECONDS:-10}
OUT=${OUT:-demo-out}
export SERVER_HOST=127.0.0.1 SERVER_PORT=${SERVER_PORT:-8080}
export STREAM_HOST=127.0.0.1 STREAM_PORT=${STREAM_PORT:-9111}
export CHANNEL_SOURCE_HOST=127.0.0.1 CHANNEL_SOURCE_PORT=${CHANNEL_SOURCE_PORT:-9110}
export CASTD_DATA_DIR="$OUT/data"
# The demo's whole audience connects from 127.0.0.1, faster than one address may (CASTD_VIEWER_CONNECTS_PER_ADDRESS).
export CASTD_VIEWER_CONNECTS_EXEMPT=127.0.0.1
HTTP="http://127.0.0.1:$SERVER_PORT"

command -v curl >/dev/null || { echo "== installing curl"; apt-get install -y -qq curl >/dev/null; }

echo "== building (Release)"
dotnet build -c Release -v quiet -nologo src/Daemon/Daemon.csproj
dotnet build -c Release -v quiet -nologo src/Castload/Castload.csproj
CASTD="dotnet src/Daemon/bin/Release/net10.0/castd.dll"
CASTLOAD="dotnet src/Castload/bin/Release/net10.0/castload.dll"

rm -rf "$OUT" && mkdir -p "$OUT"
echo "== making a token key: $OUT/keys (HS256, kid demo); castd asks every viewer, player and chat for a token"
echo "demo HS256 $(head -c 32 /dev/urandom | base64)" >"$OUT/keys"
export CASTD_AUTH_KEYS="$OUT/keys"
token() { $CASTD token --user "$1" --ttl 1h; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "== making the demo media (32 s of H.264 + AAC, testsrc2 and a tone, 2 s GOP) with ffmpeg"
./scripts/make-test-media.sh --demo >/dev/null
MEDIA=tests/media/out/demo.ts

# No loss here: castd counts a lost packet and moves on, but the picture would show it; reordering and duplicates it
# repairs completely.
echo "== starting castload source on :$CHANNEL_SOURCE_PORT (zato01, zato02: $MEDIA paced by its PCR, shuffled in blocks of 8, 1% duplicates)"
$CASTLOAD source --port "$CHANNEL_SOURCE_PORT" --channels zato01,zato02 --ts "$MEDIA" --reorder 8 --dup 0.01 >"$OUT/source.log" 2>&1 &
pids+=($!)

echo "== starting castd (HTTP :$SERVER_PORT, streams :$STREAM_PORT, data $CASTD_DATA_DIR); log in $OUT/castd.log"
$CASTD >"$OUT/castd.log" 2>&1 &
castd_pid=$!
pids+=($castd_pid)
for _ in $(seq 100); do
  kill -0 "$castd_pid" 2>/dev/null || { echo "castd exited:"; tail -5 "$OUT/castd.log"; exit 1; }
  curl -fs "$HTTP/healthz" >/dev/null && break
  sleep 0.1
done

echo "== registering user-1 .. user-5"
for n in 1 2 3 4 5; do
  echo "\$ curl -d user-$n $HTTP/register  -> $(curl -s -o /dev/null -w '%{http_code}' -d "user-$n" "$HTTP/register")"
done
echo "\$ curl -d 'not valid' $HTTP/register  -> $(curl -s -w ' (%{http_code})' -d 'not valid' "$HTTP/register" | tr -d '\n')"

echo "== minting each user's token: castd token --user user-N (scopes play chat session, any channel, 1 h)"
declare -A token_of
for n in 1 2 3 4 5; do token_of[$n]="$(token "user-$n")"; done
echo "   user-1: ${token_of[1]:0:40}…"

echo "== five viewers watch for ${WATCH_SECONDS}s with their tokens (user-3 asks for 'unknown', as the original demo client did: accepted, silent)"
declare -A channel_of=([1]=zato01 [2]=zato02 [3]=unknown [4]=zato01 [5]=zato02)
viewers=()
for n in 1 2 3 4 5; do
  $CASTLOAD view --stream "127.0.0.1:$STREAM_PORT" --user "user-$n" --channel "${channel_of[$n]}" --token "${token_of[$n]}" \
    --faststart --out "$OUT/user-$n.ts" --duration "${WATCH_SECONDS}s" >"$OUT/user-$n.txt" 2>&1 &
  viewers+=($!)
done
echo "   (a viewer without a token, and an unregistered one with a token of its own, for comparison:)"
echo "   \$ printf 'user-1 zato01\\n' | nc 127.0.0.1 $STREAM_PORT  -> $(printf 'user-1 zato01\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$STREAM_PORT; cat >&3; cat <&3")"
$CASTLOAD view --stream "127.0.0.1:$STREAM_PORT" --user nobody --channel zato01 --token "$(token nobody)" --duration 1s | sed 's/^/   /' || true
wait "${viewers[@]}" || true

echo "== what each viewer saved"
for n in 1 2 3 4 5; do
  printf '   user-%s on %s: %8d bytes in %s\n' "$n" "${channel_of[$n]}" "$(stat -c %s "$OUT/user-$n.ts")" "$OUT/user-$n.ts"
done

echo "== what a player sees in one of them (fast start: the channel's latest keyframe first, so it plays from byte 0)"
echo "   \$ ffprobe $OUT/user-1.ts"
ffprobe -v error -show_entries format=duration,bit_rate:stream=codec_name,width,height,sample_rate -of compact "$OUT/user-1.ts" \
  | grep -E '^(stream|format)' | awk '!seen[$0]++' | sed 's/^/   /'

echo "== HTTP playback: any player opens the URL (ffplay, mpv, VLC); here ffmpeg saves 4 s and checks it decodes"
echo "   \$ ffmpeg -i '$HTTP/live/zato01.ts?user=user-4&token=…' -t 4 -c copy $OUT/user-4-http.ts"
ffmpeg -nostdin -v error -i "$HTTP/live/zato01.ts?user=user-4&token=${token_of[4]}" -t 4 -c copy -y "$OUT/user-4-http.ts"
ffmpeg -nostdin -v error -i "$OUT/user-4-http.ts" -f null - && echo "   decodes clean: $(stat -c %s "$OUT/user-4-http.ts") bytes"
echo "   \$ curl '$HTTP/live/zato01.ts?user=user-4'  -> $(curl -s -w ' (%{http_code})' "$HTTP/live/zato01.ts?user=user-4" | tr -d '\n')"

echo "== time to first decoded frame, 5 joins each (castload firstframe, ffmpeg decoding): fast start vs none"
for mode in "--http 127.0.0.1:$SERVER_PORT" "--stream 127.0.0.1:$STREAM_PORT --faststart" "--stream 127.0.0.1:$STREAM_PORT"; do
  # shellcheck disable=SC2086 # the mode is several words on purpose
  printf '   %-40s %s\n' "$mode" "$($CASTLOAD firstframe $mode --user user-5 --token "${token_of[5]}" --channel zato01 --joins 5 2>/dev/null \
    | python3 -c "import json, sys; s = json.load(sys.stdin); print('p50', s['p50Ms'], 'ms, max', s['maxMs'], 'ms')")"
done

echo "== usage (whole seconds watched per live channel in the last 24 h)"
for n in 1 2 3 4 5; do
  echo "   \$ curl $HTTP/usage/user-$n  -> $(curl -s "$HTTP/usage/user-$n")"
done

echo "== health"
curl -s "$HTTP/healthz"; echo

echo "== stopping castd (SIGTERM: final usage flush)"
kill -TERM "$castd_pid"; wait "$castd_pid" || true
echo "== done; files and logs in $OUT/"
