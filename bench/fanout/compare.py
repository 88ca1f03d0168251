#!/usr/bin/env python3
"""Runs the fan-out shapes of issue 3 against castd, Redis, NATS and the loopback ceiling; writes a Markdown report
(bench/fanout/RESULTS.md, which it rewrites whole) and its plot (bench/fanout/fanout-max-rate.png).

Every figure is the median of RUNS runs. Servers run on loopback with their defaults (only address and port set)
and are stopped afterwards. The client is always `castload bench fanout`, so every target pays the same client
costs on the same cores. --smoke runs each target for a moment and fails if any of them delivered nothing.
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
SECONDS = 1 if SMOKE else 4
WARMUP = "500ms" if SMOKE else "1s"
PORTS = {"castd": 19111, "redis": 16379, "nats": 14222}
CASTD_HTTP, SOURCE_PORT, IPERF_PORT = 18080, 19110, 15201
PEERS = ["redis", "nats"]
TARGETS = ["castd", *PEERS]


class Servers:
    """castd, redis-server, nats-server and an iperf3 server on loopback; all stopped on exit."""

    def __enter__(self):
        # Every viewer watches as the one user "bench": lift the per-account stream limit (docs/sessions.md).
        self.castd = Castd(CASTD_HTTP, PORTS["castd"], SOURCE_PORT, CASTD_MAX_STREAMS_PER_USER=1000000).__enter__()
        quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.others = [
            subprocess.Popen(["redis-server", "--port", str(PORTS["redis"]), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no"], **quiet),
            subprocess.Popen(["nats-server", "-a", "127.0.0.1", "-p", str(PORTS["nats"])], **quiet),
            subprocess.Popen(["iperf3", "-s", "-B", "127.0.0.1", "-p", str(IPERF_PORT)], **quiet),
        ]
        self.castd.register("bench")
        return self

    def castd_rss_kib(self):
        return self.castd.rss_kib()

    def __exit__(self, *_):
        for process in self.others:
            process.terminate()
        self.castd.__exit__()
        for process in self.others:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def fanout(target, subscribers, payload, rate=0, seconds=SECONDS, watch=None):
    """One client run; returns its JSON figures (None if it failed). `watch` is called every 0.5 s while it runs."""
    args = CASTLOAD + ["bench", "fanout", "--target", target, "--subscribers", str(subscribers),
                       "--payload", str(payload), "--rate", str(int(rate)), "--warmup", WARMUP,
                       "--duration", f"{seconds}s", "--json"]
    if target in PORTS:
        args += ["--port", str(PORTS[target])]
    if target == "castd":
        args += ["--source-port", str(SOURCE_PORT), "--user", "bench"]
    client = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def watching():
        while watch and not done.wait(0.5):
            watch()
    watcher = threading.Thread(target=watching)
    watcher.start()
    try:
        out, err = client.communicate(timeout=seconds * 4 + 180)
    finally:
        done.set()
        watcher.join()
    if client.returncode != 0:
        log(f"  {target} x{subscribers}: exit {client.returncode}: {err.strip()[-300:]}")
        return None
    return json.loads(out.strip().splitlines()[-1])


def median_of(target, subscribers, payload, rate=0):
    """Median of RUNS runs, figure by figure."""
    runs = [r for r in (fanout(target, subscribers, payload, rate) for _ in range(RUNS)) if r]
    if not runs:
        return None
    numbers = [key for key, value in runs[0].items() if isinstance(value, (int, float))]
    return {key: statistics.median(r[key] for r in runs if r.get(key) is not None)
            for key in numbers if any(r.get(key) is not None for r in runs)}


def iperf(streams):
    """Median loopback throughput of iperf3 with `streams` parallel streams, bytes/s (iperf3 allows at most 128)."""
    results = []
    for _ in range(RUNS):
        done = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(IPERF_PORT), "-P", str(streams),
                               "-t", str(SECONDS), "-J"], capture_output=True, text=True, timeout=SECONDS + 60)
        if done.returncode == 0:
            results.append(json.loads(done.stdout)["end"]["sum_received"]["bits_per_second"] / 8)
    return statistics.median(results) if results else None


def fmt(value, unit=""):
    if value is None:
        return "n/a"
    if unit == "ms":
        return f"{value:.2f}"
    if value >= 1e6:
        return f"{value / 1e6:.2f} M"
    if value >= 1e3:
        return f"{value / 1e3:.1f} k"
    return f"{value:.0f}"


def cells(figures, *keys):
    """Table cells for the named figures of one run: latencies in ms, the rest as counts."""
    return " | ".join(fmt(figures.get(key), "ms" if key.endswith("Ms") else "") for key in keys)


def ratio(a, b):
    return "n/a" if not a or not b else f"{a / b:.2f}×"


def max_rate_section(payload, counts, figures_out):
    rows = [f"## Max rate, {payload}-byte messages", "",
            "The publisher stays at most 512 KiB ahead of the slowest subscriber, so no target is pushed into cutting "
            "subscribers. Delivered = messages (bytes) received by all subscribers together per second.", "",
            "| subscribers | castd msg/s | Redis msg/s | NATS msg/s | castd ÷ Redis | castd ÷ NATS | castd MB/s | "
            "ceiling MB/s | castd ÷ ceiling | iperf3 MB/s | castd ÷ iperf3 | subscribers cut (castd/Redis/NATS) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in counts:
        log(f"max rate, {payload} B, {n} subscribers")
        figures = {t: median_of(t, n, payload) or {} for t in [*TARGETS, "ceiling"]}
        figures_out[(payload, n)] = figures
        msgs = {t: f.get("deliveredMessagesPerSecond") for t, f in figures.items()}
        castd_bytes = figures["castd"].get("deliveredBytesPerSecond")
        ceiling_bytes = figures["ceiling"].get("deliveredBytesPerSecond")
        iperf_bytes = iperf(n) if n <= 128 else None
        cut = "/".join(fmt(figures[t].get("disconnected")) for t in TARGETS)
        rows.append(f"| {n} | {fmt(msgs['castd'])} | {fmt(msgs['redis'])} | {fmt(msgs['nats'])} | "
                    f"{ratio(msgs['castd'], msgs['redis'])} | {ratio(msgs['castd'], msgs['nats'])} | "
                    f"{fmt(castd_bytes and castd_bytes / 1e6)} | {fmt(ceiling_bytes and ceiling_bytes / 1e6)} | "
                    f"{ratio(castd_bytes, ceiling_bytes)} | {fmt(iperf_bytes and iperf_bytes / 1e6)} | "
                    f"{ratio(castd_bytes, iperf_bytes)} | {cut} |")
    return rows + [""]


def latency_section(counts, max_rates):
    rows = ["## Latency at a fixed rate (1316-byte messages)", "",
            "Each shape publishes at half the deliveries castd reached at max rate with as many subscribers; the last "
            "is the issue's yardstick, 200 k deliveries/s (10 subscribers × 20 k msg/s). Latency runs from the "
            "publisher's stamp to the subscriber's receive, both on this machine's clock.", "",
            "| subscribers | published msg/s | target | deliveries/s | p50 ms | p99 ms | p99.9 ms | max ms |",
            "|---:|---:|---|---:|---:|---:|---:|---:|"]
    shapes = [(n, (max_rates.get(n) or 0) / 2 / n) for n in counts] + [(10, 20_000)]
    latencies = {}
    for n, rate in shapes:
        if rate <= 0:
            continue
        log(f"latency, {n} subscribers at {rate:.0f} msg/s")
        for target in TARGETS:
            f = median_of(target, n, 1316, rate) or {}
            latencies[(n, rate, target)] = f
            rows.append(f"| {n} | {fmt(rate)} | {target} | "
                        f"{cells(f, 'deliveredMessagesPerSecond', 'latencyP50Ms', 'latencyP99Ms', 'latencyP999Ms', 'latencyMaxMs')} |")
    return rows + [""], latencies


def talkative_section(servers):
    viewers = 200 if SMOKE else 10_000
    seconds = 2 if SMOKE else 20
    rows = [f"## Talkative: one channel at 50 msg/s to {viewers:,} subscribers, {seconds} s", "",
            "Behind = lagging real time by more than one second at any point, or cut. One run per target.", "",
            "| target | connected | behind | cut | p50 ms | p99 ms | max ms | castd peak RSS |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    results = {}
    for target in TARGETS:
        log(f"talkative, {target}")
        peak = [0]

        def sample():
            peak[0] = max(peak[0], servers.castd_rss_kib())
        f = fanout(target, viewers, 1316, 50, seconds, watch=sample if target == "castd" else None) or {}
        results[target] = f
        rss = f"{peak[0] / 1024:.0f} MiB" if target == "castd" else ""
        rows.append(f"| {target} | "
                    f"{cells(f, 'connected', 'behind', 'disconnected', 'latencyP50Ms', 'latencyP99Ms', 'latencyMaxMs')} | {rss} |")
    return rows + [""], results


def idle_section(servers):
    idle = 200 if SMOKE else 5000
    before = servers.castd_rss_kib()
    watchers = subprocess.Popen(CASTLOAD + ["view", "--stream", f"127.0.0.1:{PORTS['castd']}", "--user", "bench",
                                            "--channel", "idle01", "--count", str(idle), "--duration", "12s"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(8)
    after = servers.castd_rss_kib()
    watchers.wait()
    per_viewer = (after - before) / idle
    return ["## Memory per idle viewer", "",
            f"{idle:,} viewers connected to a channel that is not live: castd's resident memory went from "
            f"{before / 1024:.0f} MiB to {after / 1024:.0f} MiB, **{per_viewer:.1f} KiB per viewer**.", ""], per_viewer


def plot(max_rate, counts, payload, path):
    """Delivered messages/s by subscriber count, one bar per target: the picture of the max-rate table."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    targets = [*TARGETS, "ceiling"]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(targets)
    for i, target in enumerate(targets):
        values = [(max_rate[(payload, n)][target].get("deliveredMessagesPerSecond") or 0) / 1e6 for n in counts]
        ax.bar([c + i * width for c in range(len(counts))], values, width, label=target)
    ax.set_xticks([c + width * (len(targets) - 1) / 2 for c in range(len(counts))], [str(n) for n in counts])
    ax.set_xlabel("subscribers")
    ax.set_ylabel(f"delivered M msg/s ({payload} B)")
    ax.set_title(f"Fan-out on {os.cpu_count()} cores, loopback, median of {RUNS} runs")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def main():
    counts = [10] if SMOKE else [1, 10, 100, 1000]
    payloads = [1316] if SMOKE else [1316, 1024]
    command = "bench/fanout/run.sh" + (" --smoke" if SMOKE else "")
    out = ["# castd fan-out against Redis and NATS on loopback", "",
           f"{os.cpu_count()} cores; client and servers share them. Medians of {RUNS} runs of {SECONDS} s after a "
           f"{WARMUP} warm-up; every target driven by `castload bench fanout`. Produced by `{command}` on "
           f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Ceiling = castload's in-process writer sending "
           f"64 KiB chunks round-robin to the same number of loopback sockets (iperf3 -P n beside it, up to 128).", ""]
    max_rate = {}
    with Servers() as servers:
        for payload in payloads:
            out += max_rate_section(payload, counts, max_rate)
        rows, latencies = latency_section(counts, {n: max_rate[(1316, n)]["castd"].get("deliveredMessagesPerSecond")
                                                  for n in counts})
        out += rows
        rows, talkative = talkative_section(servers)
        out += rows
        rows, _ = idle_section(servers)
        out += rows
    out += ["## Notes", "",
            "- The ceiling writer pays one syscall and one receiver wake-up per 64 KiB chunk; castd's gather sends carry "
            "up to 64 packets (about 85 KB) each, so castd can pass it. iperf3 (128 KiB writes) is the stronger reference.",
            "- Servers run with their defaults. Redis's `maxclients` (10,000) counts the publisher too: with 10,000 "
            "subscribers its publisher is refused (`-ERR max number of clients reached`) and Redis delivers nothing.",
            "- Where half of castd's max rate is beyond a peer's own max (1 and 1,000 subscribers), that peer's latency "
            "includes queueing.", ""]
    if not SMOKE:
        out.insert(4, "![delivered messages per second](fanout-max-rate.png)\n")
    report = "\n".join(out)
    print(report)
    if not SMOKE:
        with open(os.path.join(ROOT, "bench/fanout/RESULTS.md"), "w") as results:
            results.write(report + "\n")
        plot(max_rate, counts, 1316, os.path.join(ROOT, "bench/fanout/fanout-max-rate.png"))
    else:
        silent = [f"{t} max rate" for (_, _), figures in max_rate.items() for t, f in figures.items()
                  if not f.get("deliveredMessagesPerSecond")]
        silent += [f"{t} latency" for (_, _, t), f in latencies.items() if not f.get("deliveredMessagesPerSecond")]
        silent += [f"{t} talkative" for t, f in talkative.items() if not f.get("connected")]
        if silent:
            log("smoke: no deliveries from " + ", ".join(silent))
            sys.exit(1)


if __name__ == "__main__":
    main()
