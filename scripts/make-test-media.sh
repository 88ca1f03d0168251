#!/usr/bin/env bash
# Makes the MPEG-TS test media (docs/playback.md: made by Debian's ffmpeg, never downloaded), installing ffmpeg if missing.
#
#   scripts/make-test-media.sh [--demo] [OUT_DIR]     OUT_DIR defaults to tests/media/out (gitignored)
#
# Every file is 6.4 s of testsrc2 640x360 at 25 fps (+ a sine tone as AAC), ~2 Mbit/s, with a keyframe every 2 s
# (-g 50 at 25 fps, -sc_threshold 0 so no scene cut adds one): small, quick to make, and the same bytes on every run
# (single-threaded encoders, bitexact flags), so tests may compare against ffprobe of the very file they scan.
# Why 6.4 s: it is a whole number of video frames (160) and of AAC frames (300 × 1024 samples at 48 kHz), and the
# audio input is cut 1024 samples short to pay for the AAC encoder's priming frame, so audio and video both span
# exactly 6.4 s and a looped file (castload source --ts) joins seamlessly: with 6 s, audio ran 16 ms past the video
# and every loop point overlapped (ffmpeg reports non-monotonic audio DTS). The demo's 32 s = 800 and 1500 frames.
# A file that exists and is newer than this script is kept: the test fixture calls the script once per run.
#
#   h264-aac.ts          H.264 + AAC as ffmpeg muxes it (keyframes at 0, 2, 4, 6 s): random_access_indicator set on every keyframe (the common case)
#   h264-aac-norai.ts    the same bytes with every random_access_indicator cleared: the scanner must fall back to
#                        finding the IDR NAL in the PES (muxers that never set RAI exist; ffmpeg 5.1 cannot omit it)
#   hevc-aac.ts          HEVC (libx265, closed GOP) + AAC, with RAI: the scanner's HEVC stream type (0x24)
#   hevc-aac-norai.ts    the same with RAI cleared: HEVC IRAP NAL detection
#   aac-only.ts          no video stream: no random access points, no error
#   program-change.ts    h264-aac.ts followed by a second program with other PIDs, program number and table version:
#                        the PAT/PMT change mid-file and the scanner must follow the new video PID
#   demo.ts              (--demo only) 32 s H.264 + AAC for the demo and `castload source --ts`
set -euo pipefail
cd "$(dirname "$0")/.."
script="$PWD/scripts/make-test-media.sh"

demo=false
if [[ "${1-}" == --demo ]]; then
  demo=true
  shift
fi
out="${1:-tests/media/out}"
mkdir -p "$out"

if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]] || apt-get update -qq
  # Other jobs on the machine may hold dpkg's lock for a while: wait for it rather than fail.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 ffmpeg >/dev/null
fi

fresh() { [[ -s "$out/$1" && "$out/$1" -nt "$script" ]]; }

# The inputs and encoder settings every video file shares. 2 Mbit/s with a 1 s VBV keeps the rate near the target
# (testsrc2 is so simple that x264 would otherwise spend a fraction of it). Bitexact: no encoder version strings
# that would change the bytes between ffmpeg builds' runs; -threads 1: the same bytes on every run.
# $1: seconds; $2: AAC frames in that time (seconds × 48000 / 1024); the sine stops one AAC frame (1024 samples) early.
sources() {
  echo -f lavfi -i "testsrc2=size=640x360:rate=25" -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$1" \
    -af "atrim=end_sample=$((($2 - 1) * 1024))"
}
common=(-hide_banner -v error -y -fflags +bitexact -threads 1 -map 0:v -map 1:a
  -c:a aac -b:a 128k -flags:a +bitexact -b:v 2M -maxrate 2M -bufsize 2M -g 50 -flags:v +bitexact
  -f mpegts -metadata service_provider=castd -metadata service_name=test)
h264=(-c:v libx264 -preset ultrafast -sc_threshold 0 -pix_fmt yuv420p)
# Closed GOP (open-gop=0): after a CRA, x265's leading pictures would need the previous GOP, which a viewer joining
# there does not have. pools/frame-threads=1: deterministic output.
hevc=(-c:v libx265 -preset ultrafast -pix_fmt yuv420p
  -x265-params "keyint=50:min-keyint=50:scenecut=0:open-gop=0:pools=none:frame-threads=1:log-level=error")

# Clears random_access_indicator (bit 0x40 of the adaptation field flags, ISO/IEC 13818-1 2.4.3.4) in every packet
# that has an adaptation field of at least one byte. Nothing else changes, so keyframe positions stay ffprobe's.
clear_rai() {
  python3 - "$1" "$2" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
assert len(data) % 188 == 0 and all(data[i] == 0x47 for i in range(0, len(data), 188))
for i in range(0, len(data), 188):
    if data[i + 3] & 0x20 and data[i + 4] > 0:
        data[i + 5] &= ~0x40 & 0xFF
open(sys.argv[2], "wb").write(data)
PY
}

# Makes $1 with the rest of the line, which gets the output path as its last argument: written under a temporary
# name and renamed, so a run cut short never leaves a partial file that a later run would take as up to date.
produce() {
  local name=$1
  shift
  fresh "$name" && return
  "$@" "$out/.partial-$name"
  mv "$out/.partial-$name" "$out/$name"
}
concat_program_change() { cat "$out/h264-aac.ts" "$out/program-change-part2.ts" >"$1"; }

# shellcheck disable=SC2046 # sources prints words meant to be split
produce h264-aac.ts ffmpeg $(sources 6.4 300) "${common[@]}" "${h264[@]}"
produce h264-aac-norai.ts clear_rai "$out/h264-aac.ts"
# shellcheck disable=SC2046
produce hevc-aac.ts ffmpeg $(sources 6.4 300) "${common[@]}" "${hevc[@]}"
produce hevc-aac-norai.ts clear_rai "$out/hevc-aac.ts"
produce aac-only.ts ffmpeg -hide_banner -v error -y -fflags +bitexact -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 6.4 \
  -af "atrim=end_sample=$((299 * 1024))" -c:a aac -b:a 128k -flags:a +bitexact -f mpegts -metadata service_provider=castd
# The second part: PMT on 0x1100 instead of 0x1000, streams from 0x200 instead of 0x100, program 2, tables version 1,
# as a muxer restarted with another configuration would send it.
# shellcheck disable=SC2046
produce program-change-part2.ts ffmpeg $(sources 6.4 300) "${common[@]}" "${h264[@]}" -mpegts_service_id 2 \
  -mpegts_pmt_start_pid 0x1100 -mpegts_start_pid 0x200 -tables_version 1
produce program-change.ts concat_program_change
if $demo; then
  # shellcheck disable=SC2046
  produce demo.ts ffmpeg $(sources 32 1500) "${common[@]}" "${h264[@]}"
fi
