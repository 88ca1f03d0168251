#!/usr/bin/python3
"""Crash safety (issue 9): kill -9 of castd under load, restarted on the same data directory, round after round.

Load, all on loopback, kept up through every kill (every client redials as a player would):
- castload source: 4 channels at 50 packets/s of 1316 bytes, shuffled in blocks of 4.
- 64 registered users, each watching 2 of the channels: 128 streams, one in four over HTTP (`GET /live/<channel>.ts`),
  the rest framed on the stream port. This script reads every byte and notes, per (re)connection, when its first
  bytes came and when it ended.
- new registrations, 100 a second, each acknowledged one noted.

A round: watch 2-4 s (random, so the kill falls anywhere in the flush cycle), read every user's /usage, kill -9,
start castd again on the same directory, read every user's /usage again. One stream per user and channel, so per
(user, channel) the rules are, with whole seconds as /usage reports them:
- lost at most the flush interval (docs/http.md): usage after the restart >= usage read before the kill - 1 s.
- never double counted: what a round adds (the read before kill k+1 - the read after restart k) <= the wall time
  between the two reads + 1 s.
- nothing else lost: what a round adds >= the time that stream was receiving between the two reads - 1 s.
- every registration castd acknowledged before a kill is there after the restart (`GET /live/...?user=` answers 200,
  not 403): the last 50 before each kill at once, all of them at the end.
- castd starts on the data it left every time, and every stream gets back in: no refusal after a restart (the killed
  castd's sessions must not count against the limit of the new one).
Also reported: what each kill cost in watch time, from the whole run (time streams received - usage at the end) over
the kills: with a 1 s flush, about half a second a stream on average. Exits 1 when a rule fails. Writes
bench/reliability/kill9.json and bench/reliability/kill9.png (plotting needs matplotlib; kill9.sh installs it).

   bench/reliability/kill9.sh [--rounds 20] [--users 64]
"""
import argparse
import http.client
import json
import os
import random
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from castd_run import CASTLOAD, ROOT, LoggedCastd, log, pyplot, save_figure  # noqa: E402

HTTP, STREAM, SOURCE = 18380, 19311, 19310
CHANNELS = ["chan01", "chan02", "chan03", "chan04"]
FLUSH_S = 1.0
REGISTRATIONS_PER_S = 100
CHECKED_PER_KILL = 50
REDIAL_S = 0.05


class Stream:
    """One viewer stream of one user on one channel; its connections as (connected, first bytes, ended) times."""

    def __init__(self, user, channel, over_http):
        self.user, self.channel, self.over_http = user, channel, over_http
        self.segments = []
        self.refusals = []
        self.sock = None
        self.head = b""
        self.next_dial = 0.0

    def request(self):
        if self.over_http:
            return (f"GET /live/{self.channel}.ts?user={self.user} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Connection: close\r\n\r\n").encode()
        return f"{self.user} {self.channel} framed\n".encode()

    def receiving(self, start, end):
        """Seconds within [start, end] this stream was receiving: from a connection's first bytes to its end."""
        return sum(max(0.0, min(end, ended or end) - max(start, first)) for _, first, ended in self.segments if first)


class Viewers(threading.Thread):
    """Every stream on one selector thread: dials, reads and discards, and redials 50 ms after a connection ends."""

    def __init__(self, streams):
        super().__init__(daemon=True)
        self.streams, self.selector, self.stopping = streams, selectors.DefaultSelector(), False
        self.buffer = bytearray(1 << 18)

    def run(self):
        while not self.stopping:
            now = time.monotonic()
            for stream in self.streams:
                if stream.sock is None and now >= stream.next_dial:
                    self.dial(stream, now)
            for key, _ in self.selector.select(timeout=REDIAL_S):
                self.read(key.data)

    def dial(self, stream, now):
        try:
            sock = socket.create_connection(("127.0.0.1", HTTP if stream.over_http else STREAM), timeout=0.5)
            sock.sendall(stream.request())
        except OSError:
            stream.next_dial = now + REDIAL_S
            return
        sock.setblocking(False)
        stream.sock, stream.head = sock, b""
        stream.segments.append([time.monotonic(), None, None])
        self.selector.register(sock, selectors.EVENT_READ, stream)

    def read(self, stream):
        try:
            n = stream.sock.recv_into(self.buffer)
        except OSError:
            n = 0
        now = time.monotonic()
        segment = stream.segments[-1]
        if n and segment[1] is None:
            self.first_bytes(stream, segment, bytes(self.buffer[:n]), now)
        if n == 0 or segment[1] is False:
            segment[2] = now
            self.selector.unregister(stream.sock)
            stream.sock.close()
            stream.sock, stream.next_dial = None, now + REDIAL_S

    @staticmethod
    def first_bytes(stream, segment, data, now):
        """Marks when the stream's media began, or records a refusal (first bytes ERR, or an HTTP status but 200)."""
        if not stream.over_http:
            if data.startswith(b"ERR "):
                stream.refusals.append(data.split(b"\n")[0].decode(errors="replace"))
                segment[1] = False
            else:
                segment[1] = now
            return
        stream.head += data
        end = stream.head.find(b"\r\n\r\n")
        if end < 0:
            return
        if not stream.head.startswith(b"HTTP/1.1 200"):
            stream.refusals.append(stream.head.split(b"\r\n")[0].decode(errors="replace"))
            segment[1] = False
        elif len(stream.head) > end + 4:
            segment[1] = now


class Registrations(threading.Thread):
    """Registers new users at a steady rate and notes the ones castd acknowledged, with when."""

    def __init__(self):
        super().__init__(daemon=True)
        self.acknowledged, self.stopping = [], False

    def run(self):
        connection, n, next_at = None, 0, time.monotonic()
        while not self.stopping:
            next_at = max(next_at + 1 / REGISTRATIONS_PER_S, time.monotonic() - 1)
            time.sleep(max(0.0, next_at - time.monotonic()))
            user = f"k9r{n}"
            try:
                connection = connection or http.client.HTTPConnection("127.0.0.1", HTTP, timeout=2)
                connection.request("POST", "/register", body=user)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    self.acknowledged.append((time.monotonic(), user))
                    n += 1
            except (OSError, http.client.HTTPException):
                connection = None


def read_usage(users):
    """{user: ({channel: seconds}, request sent, answer read)} over one keep-alive connection."""
    connection, usage = http.client.HTTPConnection("127.0.0.1", HTTP, timeout=5), {}
    for user in users:
        sent = time.monotonic()
        connection.request("GET", f"/usage/{user}")
        sessions = json.loads(connection.getresponse().read())["sessions"]
        usage[user] = (sessions, sent, time.monotonic())
    connection.close()
    return usage


def registered(users):
    """The users castd refuses as unregistered (403 to a player's request)."""
    missing = []
    for user in users:
        connection = http.client.HTTPConnection("127.0.0.1", HTTP, timeout=5)
        connection.request("GET", f"/live/{CHANNELS[0]}.ts?user={user}")
        if connection.getresponse().status == 403:
            missing.append(user)
        connection.close()
    return missing


def judge_round(streams, after_restart, before_kill):
    """Per stream: (what the round added - the time it was receiving, its excess over the wall time) between a read
    after a (re)start and the read before the next kill."""
    added_minus_received, over_wall = [], []
    for stream in streams:
        usage_a, a_sent, a_read = after_restart[stream.user]
        usage_b, b_sent, b_read = before_kill[stream.user]
        added = usage_b.get(stream.channel, 0) - usage_a.get(stream.channel, 0)
        # castd computed each answer between sending and reading: the tightest windows either way.
        added_minus_received.append(added - stream.receiving(a_read, b_sent))
        over_wall.append(added - (b_read - a_sent))
    return added_minus_received, over_wall


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    users = [f"k9u{i:02}" for i in range(args.users)]
    streams = [Stream(user, CHANNELS[(i + j) % len(CHANNELS)], (2 * i + j) % 4 == 0)
               for i, user in enumerate(users) for j in range(2)]
    failures, rounds = [], []
    tmp = tempfile.mkdtemp(prefix="castd-kill9-")
    source = start_source()
    try:
        with LoggedCastd(os.path.join(tmp, "castd.log"), HTTP, STREAM, SOURCE, CASTD_USAGE_FLUSH_MS=int(FLUSH_S * 1000)) as castd:
            for user in users:
                castd.register(user)
            viewers, registrations = Viewers(streams), Registrations()
            viewers.start()
            registrations.start()
            after = read_usage(users)
            kills_at = []
            for round_ in range(1, args.rounds + 1):
                time.sleep(rng.uniform(2.0, 4.0))
                before = read_usage(users)
                kills_at.append(time.monotonic())
                castd.kill_hard()
                try:
                    restart_s = castd.start()
                except RuntimeError as error:
                    failures.append(f"round {round_}: {error}")
                    break
                added_minus_received, over_wall = judge_round(streams, after, before)
                after = read_usage(users)
                went_back = [before[s.user][0].get(s.channel, 0) - after[s.user][0].get(s.channel, 0) for s in streams]
                last_acked = [user for at, user in registrations.acknowledged if at < kills_at[-1]][-CHECKED_PER_KILL:]
                missing = registered(last_acked)
                round_result = dict(round=round_, restart_s=round(restart_s, 3), went_back=went_back,
                                    added_minus_received=[round(x, 3) for x in added_minus_received],
                                    over_wall=[round(x, 3) for x in over_wall], registrations_checked=len(last_acked),
                                    registrations_missing=missing)
                rounds.append(round_result)
                failures += round_failures(round_result, streams)
                log(f"round {round_:2}/{args.rounds}: restart {restart_s:.2f} s; went back max {max(went_back)} s; "
                    f"added - received {min(added_minus_received):+.2f}..{max(added_minus_received):+.2f} s; "
                    f"added - wall max {max(over_wall):+.2f} s; last {len(last_acked)} registrations: "
                    f"{len(missing)} missing; {len(registrations.acknowledged)} acknowledged so far")
            registrations.stopping = True
            registrations.join()
            time.sleep(rng.uniform(2.0, 4.0))
            end = read_usage(users)
            viewers.stopping = True
            viewers.join()
            summary = summarise(streams, end, kills_at, registrations.acknowledged, registered(
                [user for _, user in registrations.acknowledged]))
    finally:
        source.kill()
    failures += summary.pop("failures")
    refusals = [f"{s.user} {s.channel}: {r}" for s in streams for r in s.refusals]
    failures += [f"refused after a restart: {r}" for r in refusals]
    result = dict(rounds=rounds, summary=summary, refusals=refusals, failures=failures,
                  load=dict(users=args.users, streams=len(streams), channels=len(CHANNELS), packets_per_s=50,
                            registrations_per_s=REGISTRATIONS_PER_S, flush_s=FLUSH_S))
    with open(os.path.join(ROOT, "bench/reliability/kill9.json"), "w") as out:
        json.dump(result, out, indent=1)
    plot(result, os.path.join(ROOT, "bench/reliability/kill9.png"))
    print(json.dumps(summary, indent=1))
    if failures:
        raise SystemExit("violations:\n  " + "\n  ".join(failures[:40]))
    print(f"ok: {len(rounds)} rounds of kill -9 under load; castd started on its data every time, usage never went back "
          f"more than {FLUSH_S:.0f} s, never double counted, every acknowledged registration kept")


def start_source():
    return subprocess.Popen(CASTLOAD + ["source", "--port", str(SOURCE), "--channels", ",".join(CHANNELS), "--rate", "50",
                                        "--reorder", "4"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def round_failures(r, streams):
    failures = []
    for stream, back, added_minus_received, over_wall in zip(streams, r["went_back"], r["added_minus_received"], r["over_wall"]):
        name = f"round {r['round']}, {stream.user} on {stream.channel}"
        if back > FLUSH_S:
            failures.append(f"{name}: usage went back {back} s at the kill")
        if added_minus_received < -1:
            failures.append(f"{name}: the round added {-added_minus_received:.2f} s less than the stream was receiving")
        if over_wall > 1:
            failures.append(f"{name}: the round added {over_wall:.2f} s more than the wall time")
    failures += [f"round {r['round']}: registration of {user} lost" for user in r["registrations_missing"]]
    return failures


def summarise(streams, end, kills_at, acknowledged, missing):
    """The whole run per stream: time receiving vs usage at the end; the difference is what the kills cost."""
    cost = []
    for stream in streams:
        usage, sent, _ = end[stream.user]
        cost.append(stream.receiving(0, sent) - usage.get(stream.channel, 0))
    per_kill = [c / len(kills_at) for c in cost]
    failures = [f"registration of {user} lost" for user in missing]
    return dict(kills=len(kills_at), streams=len(streams), connections=sum(len(s.segments) for s in streams),
                received_s=round(sum(s.receiving(0, end[s.user][1]) for s in streams), 1),
                counted_s=sum(end[s.user][0].get(s.channel, 0) for s in streams),
                cost_per_kill_s_median=round(statistics.median(per_kill), 3),
                cost_per_kill_s_max=round(max(per_kill), 3), registrations_acknowledged=len(acknowledged),
                registrations_missing=len(missing), failures=failures)


def plot(result, path):
    plt = pyplot()
    if plt is None:
        return
    rounds = result["rounds"]
    xs = [r["round"] for r in rounds]
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    bottom_of_bar = [0] * len(rounds)
    for seconds, color in ((0, "tab:green"), (1, "tab:orange"), (2, "tab:red")):
        counts = [sum(1 for back in r["went_back"] if max(back, 0) == seconds or (seconds == 2 and back > 1))
                  for r in rounds]
        top.bar(xs, counts, bottom=bottom_of_bar, color=color, label=f"went back {seconds}{'+' if seconds == 2 else ''} s")
        bottom_of_bar = [b + c for b, c in zip(bottom_of_bar, counts)]
    top.set_ylabel("streams")
    top.set_title(f"usage read after the restart vs before the kill (whole seconds; at most {FLUSH_S:.0f} s allowed)")
    top.legend(loc="lower right")
    middle.boxplot([r["added_minus_received"] for r in rounds], positions=xs)
    middle.axhline(-1, color="red", linestyle="--", label="whole-second rounding")
    middle.axhline(1, color="red", linestyle="--")
    middle.set_ylabel("usage added - time receiving (s)")
    middle.legend(loc="upper right")
    bottom.bar(xs, [r["restart_s"] for r in rounds])
    bottom.set_ylabel("restart until /healthz (s)")
    bottom.set_xlabel("round (kill -9)")
    s = result["summary"]
    save_figure(fig, f"kill -9 under load: {s['streams']} streams, {s['kills']} kills; each kill cost a stream "
                f"{s['cost_per_kill_s_median']:.2f} s median, {s['cost_per_kill_s_max']:.2f} s max", path)


if __name__ == "__main__":
    main()
