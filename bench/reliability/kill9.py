#!/usr/bin/env python3
"""Crash safety (issue 9): ROUNDS rounds of kill -9 under load, castd restarted on the same data directory each time.

A viewer watches one live channel throughout (redialling after each kill); before each kill the usage castd reports
is read, after the restart it is read again. It must never go backwards by more than the flush interval (1 s), the
database must always open, and at the end the usage must not exceed the time the viewer was actually connected
(no double counting). Prints one line per round and a summary; exits 1 on any violation.
   bench/reliability/kill9.py [ROUNDS]
"""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from castd_run import CASTD, CASTLOAD  # noqa: E402

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
HTTP, STREAM, SOURCE = 18380, 19311, 19310
FLUSH_S = 1.0
DATA = tempfile.mkdtemp(prefix="castd-kill9-")
ENV = dict(os.environ, SERVER_HOST="127.0.0.1", SERVER_PORT=str(HTTP), STREAM_HOST="127.0.0.1", STREAM_PORT=str(STREAM),
           CHANNEL_SOURCE_HOST="127.0.0.1", CHANNEL_SOURCE_PORT=str(SOURCE), CASTD_DATA_DIR=DATA,
           CASTD_SOURCE_RECONNECT_MAX_MS="100", CASTD_USAGE_FLUSH_MS=str(int(FLUSH_S * 1000)),
           CASTD_VIEWER_CONNECTS_EXEMPT="127.0.0.1")  # the load connects from 127.0.0.1 faster than one address may


def get(path):
    return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{HTTP}{path}", timeout=2).read() or b"null")


def start_castd():
    process = subprocess.Popen(CASTD, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while True:
        try:
            get("/healthz")
            return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"castd did not start on the data it left: {process.stderr.read()[-500:]}")
            if time.time() > deadline:
                raise SystemExit("castd did not answer within 30 s")
            time.sleep(0.05)


def watched():
    return get("/usage/kill9").get("sessions", {}).get("chan01", 0)


def main():
    source = subprocess.Popen(CASTLOAD + ["source", "--port", str(SOURCE), "--channels", "chan01", "--rate", "50"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    castd = start_castd()
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{HTTP}/register", data=b"kill9")).read()
    connected = 0.0
    failures = []
    try:
        for round_ in range(1, ROUNDS + 1):
            viewer = subprocess.Popen(CASTLOAD + ["view", "--stream", f"127.0.0.1:{STREAM}", "--user", "kill9", "--channel", "chan01"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            since = time.time()
            time.sleep(random.uniform(2.0, 4.0))
            before = watched()
            castd.send_signal(signal.SIGKILL)
            castd.wait()
            connected += time.time() - since
            viewer.wait(timeout=10)
            started = time.time()
            castd = start_castd()
            after = watched()
            ok = after >= before - FLUSH_S
            if not ok:
                failures.append(round_)
            print(f"round {round_:2}/{ROUNDS}: usage {before} s before kill -9, {after} s after restart "
                  f"(restart {time.time() - started:.2f} s){'' if ok else '  <-- went back more than the flush interval'}", flush=True)
        total = watched()
        print(f"total: {total} s of usage for {connected:.1f} s connected (whole seconds, counted only while live)")
        if total > connected + 1:
            failures.append("double counted")
    finally:
        castd.kill()
        source.kill()
    if failures:
        raise SystemExit(f"violations: {failures}")
    print(f"ok: {ROUNDS} rounds, the database opened every time, usage never went back more than {FLUSH_S:.0f} s")


if __name__ == "__main__":
    main()
