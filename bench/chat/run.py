#!/usr/bin/env python3
"""Chat throughput and latency (issue 5): castd and `castload chat` sharing this machine's cores.

1. One user at max rate, messaging itself: frames/s (its messages plus its acks), median of RUNS runs; gochat
   published 40,000 frames/s on a 4-core i7.
2. N users at 9 messages/s each to random users: delivery latency p50/p99 per N, with castd's CPU use; gochat
   published 5,000 connections at 9 msg/s. Target here: 15,000 with p99 < 100 ms.
Each run gets a fresh castd. Writes bench/chat/RESULTS.md and bench/chat/chat-latency.png; --smoke runs a few seconds of
each shape and fails if anything went undelivered (CI).
"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from castd_run import CASTLOAD, ROOT, Castd, log  # noqa: E402

SMOKE = "--smoke" in sys.argv
RUNS = 1 if SMOKE else 3
SECONDS = 2 if SMOKE else 10
USER_COUNTS = [200] if SMOKE else [1000, 2000, 3000, 4500, 6000, 15000]
RATE = 9
HTTP, STREAM, SOURCE = 18090, 19121, 19120
GOCHAT_ONE_USER = 40_000


def chat(users, rate):
    """One castload chat run against a fresh castd; its JSON figures plus castd's CPU use (cores) while measured."""
    # No per-connection message rate: the max-rate rows measure routing, not the limit.
    with Castd(HTTP, STREAM, SOURCE, CASTD_CHAT_OPEN="true", CASTD_CHAT_MESSAGES_PER_SECOND="0") as castd:
        args = CASTLOAD + ["chat", "--server", f"127.0.0.1:{HTTP}", "--user-count", str(users), "--rate", str(rate),
                           "--duration", f"{SECONDS}s", "--json"]
        client = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # castload says when everyone is connected, warms up for a second, then measures SECONDS: sample castd's CPU
        # time over that same window.
        errors = []
        cores = [None]

        def sample():
            for line in client.stderr:
                errors.append(line)
                if "connected" in line:
                    time.sleep(1)
                    cpu0, t0 = castd.cpu_seconds(), time.time()
                    time.sleep(SECONDS)
                    cores[0] = (castd.cpu_seconds() - cpu0) / (time.time() - t0)
        sampler = threading.Thread(target=sample)
        sampler.start()
        out = client.stdout.read()
        client.wait(timeout=SECONDS * 3 + 300)
        sampler.join()
    if client.returncode not in (0, 1) or not out.strip():
        log(f"  {users} users: exit {client.returncode}: {''.join(errors).strip()[-300:]}")
        return None
    result = json.loads(out.strip().splitlines()[-1])
    result["castdCores"] = cores[0]
    log(f"  {users} users at {rate or 'max'}/s: {result['framesPerSecond']:,.0f} frames/s, "
        f"p50 {result['latencyP50Ms']} ms, p99 {result['latencyP99Ms']} ms, cut {result['cut']}, castd {cores[0]:.2f} cores")
    return result


def median(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    users = [r["users"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(users, [r["latencyP50Ms"] for r in rows], "o-", label="p50")
    ax.plot(users, [r["latencyP99Ms"] for r in rows], "s-", label="p99")
    ax.axhline(100, color="grey", linestyle="--", label="target p99 100 ms")
    ax.set_yscale("log")
    ax.set_xlabel(f"chat users, {RATE} direct messages/s each")
    ax.set_ylabel("delivery latency, ms (log)")
    ax.set_title("castd chat: send → delivery latency (castd + castload on 2 cores)")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    log(f"one user at max rate, {RUNS} run(s)")
    one = [r for r in (chat(1, 0) for _ in range(RUNS)) if r]
    rows = []
    for users in USER_COUNTS:
        log(f"{users} users at {RATE} msg/s, {RUNS} run(s)")
        runs = [r for r in (chat(users, RATE) for _ in range(RUNS)) if r]
        if runs:
            rows.append({key: median(runs, key) for key in ["users", "framesPerSecond", "messagesPerSecond",
                                                              "latencyP50Ms", "latencyP99Ms", "latencyMaxMs", "cut",
                                                              "castdCores"]})
    if SMOKE:
        bad = not one or not rows or any(r["cut"] for r in [*one, *rows]) or not all(r["messagesPerSecond"] for r in rows)
        print(json.dumps({"oneUser": one, "users": rows}))
        sys.exit(1 if bad else 0)

    frames = median(one, "framesPerSecond")
    lines = [
        "# Chat: castd with castload chat on the same machine",
        "",
        f"`bench/chat/run.sh`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores; every "
        f"figure is the median of {RUNS} runs of {SECONDS} s, each against a fresh castd (`CASTD_CHAT_OPEN=true`, `CASTD_CHAT_MESSAGES_PER_SECOND=0`).",
        "",
        "| one user at max rate | figure |",
        "|---|---|",
        f"| frames/s (messages + acks) | {frames:,.0f} |",
        f"| vs gochat's published 40,000 frames/s (4-core i7) | {frames / GOCHAT_ONE_USER:.2f}× |",
        f"| delivery latency p50 / p99 | {median(one, 'latencyP50Ms'):.2f} / {median(one, 'latencyP99Ms'):.2f} ms |",
        f"| castd CPU | {median(one, 'castdCores'):.2f} cores |",
        "",
        f"| users × {RATE} msg/s | frames/s | delivery p50 ms | p99 ms | max ms | users cut | castd cores |",
        "|---|---|---|---|---|---|---|",
        *[f"| {r['users']:,.0f} | {r['framesPerSecond']:,.0f} | {r['latencyP50Ms']:.2f} | {r['latencyP99Ms']:.2f} | "
          f"{r['latencyMaxMs']:.0f} | {r['cut']:.0f} | {r['castdCores']:.2f} |" for r in rows],
        "",
        "![latency by users](chat-latency.png)",
        "",
    ]
    with open(os.path.join(ROOT, "bench/chat/RESULTS.md"), "w") as results:
        results.write("\n".join(lines))
    plot(rows, os.path.join(ROOT, "bench/chat/chat-latency.png"))
    print("\n".join(lines))


main()
