#!/usr/bin/env bash
# The real-systemd suite: a minimal Debian 12 root (debootstrap from the mirror this machine's apt uses, cached in
# $CASTD_TEST_ROOT, default /var/cache/castd-test-root), first without systemd running (the maintainer scripts must
# not fail there), then booted under systemd-nspawn. In it: apt install the .deb, castd active as a dynamic user with
# LimitNOFILE and the watchdog, curl and netcat from the host (the container shares its loopback), JSON lines in
# journalctl, data kept across restart and upgrade, a restart on castd.socket that refuses nothing, clean restart and
# stop, remove keeps data, purge leaves nothing.
#   packaging/deb/test-systemd.sh [castd_<version>_amd64.deb]
# Runs as root; installs systemd-container, debootstrap, curl, netcat-openbsd and python3 if missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
step() { echo "systemd test: $*"; }

need_packages systemd-nspawn=systemd-container debootstrap=debootstrap curl=curl nc=netcat-openbsd python3=python3
deb="$(realpath "${1:-$("$here/build.sh" | tail -1)}")"
[[ -f "$deb" ]] || fail "no package at $deb"

# The Debian mirror of this machine's own apt sources (deb822 stanzas, then one-line sources.list entries).
mirror() {
  { awk '/^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") s = 1 }
         /^$/ { if (s && u) print u; u = ""; s = 0 } END { if (s && u) print u }' /etc/apt/sources.list.d/*.sources
    awk '$1 == "deb" { sub(/^\[[^]]*\] */, "", $0); if ($3 == "bookworm") print $2 }' /etc/apt/sources.list
  } 2>/dev/null | head -1
}

cache="${CASTD_TEST_ROOT:-/var/cache/castd-test-root}"
if [[ ! -x "$cache/usr/bin/systemctl" ]]; then
  url="$(mirror || true)"  # either file may be missing
  [[ -n "$url" ]] || fail "no bookworm mirror in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources"
  rm -rf "$cache.partial"
  heavy debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,libstdc++6,zlib1g bookworm "$cache.partial" "$url" >/dev/null
  mv "$cache.partial" "$cache"
  step "debootstrapped bookworm from $url into $cache at $((SECONDS - started)) s"
fi

machine="$(mktemp -d /var/tmp/castd-nspawn.XXXXXX)"
nspawn_pid=
cleanup() {
  if [[ -n "$nspawn_pid" ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill "$nspawn_pid"
    wait "$nspawn_pid" 2>/dev/null || true
  fi
  rm -rf "$machine" "$machine".*
}
trap cleanup EXIT
cp -a "$cache/." "$machine/"
nspawn=(systemd-nspawn --quiet --register=no --keep-unit -D "$machine" --bind-ro="$(dirname "$deb")":/mnt/castd)
pkg="/mnt/castd/$(basename "$deb")"

# 1. No systemd running (an image build, a chroot): install enables the unit, starts nothing, and nothing fails.
"${nspawn[@]}" --pipe -- apt-get install -y -qq "$pkg" >/dev/null 2>&1 || fail "apt install without systemd running failed"
[[ -L "$machine/etc/systemd/system/multi-user.target.wants/castd.service" ]] || fail "install did not enable castd.service"
"${nspawn[@]}" --pipe -- apt-get purge -y -qq castd >/dev/null 2>&1 || fail "apt purge without systemd running failed"
step "without systemd running: install enabled castd.service, purge went through"

# 2. Boot it. Test ports: the container shares the host's network, where 8080 and 9111 may be taken. An admin's
# drop-in, written before the install, so the first start uses them too.
read -r http_port stream_port < <(python3 -c "import sys; sys.path.insert(0, sys.argv[1]); import fake_systemd as f; print(f.free_port(), f.free_port())" "$here")
mkdir -p "$machine/etc/systemd/system/castd.service.d"
printf '[Service]\nEnvironment=SERVER_HOST=127.0.0.1 SERVER_PORT=%s STREAM_HOST=127.0.0.1 STREAM_PORT=%s\n' \
  "$http_port" "$stream_port" > "$machine/etc/systemd/system/castd.service.d/test-ports.conf"
"${nspawn[@]}" -b --console=pipe >"$machine.console" 2>&1 &
nspawn_pid=$!
leader=
for _ in $(seq 100); do
  for child in $(pgrep -P "$nspawn_pid" 2>/dev/null); do
    [[ "$(cat "/proc/$child/comm" 2>/dev/null)" == systemd ]] && leader=$child
  done
  [[ -n "$leader" ]] && break
  sleep 0.1
done
[[ -n "$leader" ]] || fail "the container's systemd did not start: $(cat "$machine.console")"
ct() { nsenter -t "$leader" -a "$@"; }
# Until its manager answers on the bus, systemctl fails at once: retry, then wait for the boot to finish.
state=
for _ in $(seq 100); do
  state="$(ct systemctl is-system-running --wait 2>/dev/null || true)"
  [[ -n "$state" ]] && break
  sleep 0.1
done
[[ "$state" == running || "$state" == degraded ]] || fail "container boot ended '$state'"
step "booted systemd $(ct systemctl --version | head -1 | cut -d' ' -f2) in the container ($state) at $((SECONDS - started)) s"

# 3. Install: enabled, started (Type=notify: apt returns once READY=1 is in), as a dynamic user, with its limits.
ct apt-get install -y -qq "$pkg" >/dev/null 2>&1 || fail "apt install failed"
[[ "$(ct systemctl is-enabled castd)" == enabled ]] || fail "castd is not enabled"
[[ "$(ct systemctl is-active castd)" == active ]] || fail "castd is not active: $(ct systemctl status castd --no-pager)"
pid="$(ct systemctl show -p MainPID --value castd)"
watchdog_first="$(ct systemctl show -p WatchdogTimestampMonotonic --value castd)"
installed_at=$SECONDS
uid="$(ct stat -c %u "/proc/$pid")"
[[ "$uid" != 0 ]] || fail "castd runs as root"
# LimitNOFILE=1048576, as far as the container's own hard limit lets systemd go (20,000 on the build VM).
ceiling="$(ct awk '/^Max open files/ { print $5 }' /proc/1/limits)"
expected=$((ceiling < 1048576 ? ceiling : 1048576))
doctor="$(ct castd doctor --pid "$pid" || true)"
grep -qE "^(OK|WARN) +open files \(soft\) +$expected " <<<"$doctor" || fail "castd doctor does not see LimitNOFILE ($expected): $doctor"
step "apt install: enabled, active as dynamic uid $uid, castd doctor sees open files $expected (LimitNOFILE=1048576, capped by the host's $ceiling)"

# 4. From the host: HTTP and the stream protocol on the shared loopback; storage in the StateDirectory.
health="$(curl -fsS "127.0.0.1:$http_port/healthz")" || fail "curl /healthz from the host failed"
curl -fsS -d user-1 "127.0.0.1:$http_port/register" || fail "POST /register failed"
refusal="$(printf 'nobody zato01\n' | nc -w 5 127.0.0.1 "$stream_port")"
[[ "$refusal" == "ERR 403 user nobody is not registered" ]] || fail "netcat on the stream port got '$refusal'"
[[ -d "$machine/var/lib/private/castd" ]] || fail "no /var/lib/private/castd (StateDirectory under DynamicUser)"
step "from the host: curl /healthz ${#health} bytes of JSON, netcat on $stream_port got '$refusal'"

# 5. journald has castd's lines, each one JSON object.
# castd's own lines only (systemd's "Started ..." about the unit have SYSLOG_IDENTIFIER=systemd).
ct journalctl -u castd SYSLOG_IDENTIFIER=castd -o cat --no-pager > "$machine.journal"
python3 - "$machine.journal" <<'PY' || fail "journalctl -u castd: lines that are not JSON: $(head -5 "$machine.journal")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
events = [json.loads(line) for line in lines]
sys.exit(not events or not all("EventId" in e and "LogLevel" in e for e in events))
PY
step "journalctl -u castd: $(wc -l <"$machine.journal") structured lines (JSON with EventId and LogLevel)"

# The watchdog: castd pings (WatchdogSec=20s, so every 10 s) and systemd records the ping; the same process still.
sleep $((installed_at + 11 - SECONDS > 0 ? installed_at + 11 - SECONDS : 0))
[[ "$(ct systemctl show -p WatchdogTimestampMonotonic --value castd)" != "$watchdog_first" ]] || fail "no watchdog ping recorded"
[[ "$(ct systemctl show -p MainPID --value castd)" == "$pid" ]] || fail "castd was restarted while waiting for a ping"
step "watchdog: a WATCHDOG=1 ping recorded by systemd $((SECONDS - installed_at)) s after the start"

# Reload (ExecReload: SIGHUP re-reads the token keys and the TLS certificate): the same process goes on.
ct systemctl reload castd || fail "systemctl reload failed"
sleep 1
[[ "$(ct systemctl is-active castd)" == active && "$(ct systemctl show -p MainPID --value castd)" == "$pid" ]] || fail "systemctl reload ended castd"
step "systemctl reload: SIGHUP taken, the same process goes on"

# 6. Restart: clean, and the registration survived (the ERR 403 would say otherwise).
ct systemctl restart castd || fail "systemctl restart failed"
[[ "$(ct systemctl is-active castd)" == active ]] || fail "castd not active after restart"
[[ "$(ct systemctl show -p NRestarts --value castd)" == 0 ]] || fail "castd restarted by itself (a failure)"
[[ "$(ct systemctl show -p MainPID --value castd)" != "$pid" ]] || fail "restart kept the old process"
answer="$(printf 'user-1 zato01\n' | nc -w 2 127.0.0.1 "$stream_port" || true)"
[[ "$answer" != ERR* ]] || fail "after restart user-1 is refused: $answer"
step "systemctl restart: clean, registration kept in RocksDB"

# 7. Upgrade (the same package again): postinst restarts the service.
pid="$(ct systemctl show -p MainPID --value castd)"
ct apt-get install -y -qq --reinstall "$pkg" >/dev/null 2>&1 || fail "apt reinstall failed"
[[ "$(ct systemctl is-active castd)" == active && "$(ct systemctl show -p MainPID --value castd)" != "$pid" ]] \
  || fail "reinstall did not restart castd"
step "apt install --reinstall: castd restarted with the new files"

# 8. Socket activation (castd.socket, opt-in): a restart refuses nothing, where without it requests fail meanwhile.
restart_under_probe() {
  python3 "$here/http_probe.py" "$http_port" 4 > "$machine.probe" &
  local probe=$!
  sleep 0.5
  ct systemctl restart castd || fail "systemctl restart failed"
  wait "$probe"
  cat "$machine.probe"
}
read -r answered failed < <(restart_under_probe)
((failed > 0 && answered > 0)) || fail "without castd.socket a restart should fail some requests: $answered answered, $failed failed"
mkdir -p "$machine/etc/systemd/system/castd.socket.d"
printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:%s\nListenStream=127.0.0.1:%s\n' \
  "$http_port" "$stream_port" > "$machine/etc/systemd/system/castd.socket.d/test-ports.conf"
ct systemctl stop castd
ct systemctl enable --quiet --now castd.socket || fail "castd.socket did not start"
ct systemctl start castd
[[ "$(ct systemctl is-active castd)" == active ]] || fail "castd not active on castd.socket: $(ct journalctl -u castd -n 5 -o cat)"
read -r answered_socket failed_socket < <(restart_under_probe)
((failed_socket == 0 && answered_socket > 0)) || fail "with castd.socket a restart failed $failed_socket requests ($answered_socket answered)"
step "castd.socket: $answered_socket requests during a restart, none failed (without it: $failed of $((answered + failed)) failed)"

# 9. Stop: SIGTERM, a clean exit well within TimeoutStopSec.
stop_started=$SECONDS
ct systemctl stop castd.socket castd || fail "systemctl stop failed"
result="Result=$(ct systemctl show -p Result --value castd) ExecMainStatus=$(ct systemctl show -p ExecMainStatus --value castd)"
[[ "$result" == "Result=success ExecMainStatus=0" ]] || fail "stop was not clean: $result"
step "systemctl stop: $result in $((SECONDS - stop_started)) s"

# 10. Remove keeps data and configuration; purge leaves nothing.
ct apt-get remove -y -qq castd >/dev/null 2>&1 || fail "apt remove failed"
[[ "$(ct systemctl is-active castd.socket)" != active ]] || fail "castd.socket still listens after remove"
[[ -d "$machine/var/lib/private/castd" && -f "$machine/etc/castd/castd.conf" ]] || fail "remove deleted data or castd.conf"
rm -r "$machine/etc/systemd/system/castd.service.d" "$machine/etc/systemd/system/castd.socket.d"
ct apt-get purge -y -qq castd >/dev/null 2>&1 || fail "apt purge failed"
left="$(find "$machine" -mindepth 1 -xdev \( -path "$machine/proc" -o -path "$machine/mnt/castd" \) -prune \
  -o -name '*castd*' -print)"
[[ -z "$left" ]] || fail "purge left: $left"
[[ -z "$(ct systemctl list-unit-files --no-legend castd.service)" ]] || fail "systemd still knows castd.service"
step "apt remove kept data and castd.conf; apt purge left no file named castd and no unit"

ct systemctl poweroff || true
wait "$nspawn_pid" || true
nspawn_pid=
echo "systemd test passed in $((SECONDS - started)) s"
