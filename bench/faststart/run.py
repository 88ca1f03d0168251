"""Fast start benchmark (bench/faststart/run.sh): first-frame times per join mode, and the GOP cache's cost to live viewers."""
import json
import re
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fanout"))
from castd_run import CASTLOAD, ROOT, Castd, log  # noqa: E402
import compare  # noqa: E402  (the fan-out benchmark's client run, reused for the max-rate comparison)

SMOKE = "--smoke" in sys.argv
JOINS = 3 if SMOKE else 50
RUNS = 1 if SMOKE else 3
LIVE_SECONDS = 2 if SMOKE else 10
MAX_RATE_SUBSCRIBERS = 100
VIEWERS = 20 if SMOKE else 500
HTTP, STREAM, SOURCE = 18180, 19211, 19210
MEDIA = os.path.join(ROOT, "tests/media/out/h264-aac.ts")
OUT = os.path.join(ROOT, "bench/faststart")

# (label, castd settings, castload firstframe arguments)
MODES = [
    ("TCP, compat (no fast start)", {}, ["--stream", f"127.0.0.1:{STREAM}"]),
    ("TCP, faststart", {}, ["--stream", f"127.0.0.1:{STREAM}", "--faststart"]),
    ("HTTP /live (fast start on)", {}, ["--http", f"127.0.0.1:{HTTP}"]),
    ("HTTP /live, CASTD_GOP_CACHE_BYTES=0", {"CASTD_GOP_CACHE_BYTES": 0}, ["--http", f"127.0.0.1:{HTTP}"]),
]


class Rig:
    """castd fed the test media (2 s GOP, H.264 + AAC) by castload source --ts."""

    def __init__(self, **settings):
        self.castd = Castd(HTTP, STREAM, SOURCE, CASTD_MAX_STREAMS_PER_USER=1000000, **settings)

    def __enter__(self):
        self.source = subprocess.Popen(CASTLOAD + ["source", "--port", str(SOURCE), "--channels", "zato01", "--ts", MEDIA],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.castd.__enter__()
        self.castd.register("bench")
        time.sleep(2)
        return self

    def __exit__(self, *_):
        self.castd.__exit__()
        self.source.terminate()
        self.source.wait(timeout=20)


def first_frames(settings, args):
    with Rig(**settings):
        run = subprocess.run(CASTLOAD + ["firstframe", "--user", "bench", "--channel", "zato01", "--joins", str(JOINS),
                                         "--spread", "2s", *args], stdout=subprocess.PIPE, stderr=sys.stderr, text=True, timeout=900)
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    if run.returncode != 0 or summary["joins"] == 0:
        raise SystemExit(f"firstframe {args}: {summary['failures']} joins failed")
    return summary


def live_viewers(cache_bytes):
    """VIEWERS framed viewers on the live media for LIVE_SECONDS: delivered bytes/s, latency, castd CPU."""
    with Rig(CASTD_GOP_CACHE_BYTES=cache_bytes) as rig:
        cpu = rig.castd.cpu_seconds()
        start = time.time()
        run = subprocess.run(CASTLOAD + ["view", "--stream", f"127.0.0.1:{STREAM}", "--user", "bench", "--channel", "zato01",
                                         "--framed", "--count", str(VIEWERS), "--duration", f"{LIVE_SECONDS}s"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        cores = (rig.castd.cpu_seconds() - cpu) / (time.time() - start)
    return {"cores": cores, **parse_view(run.stdout + run.stderr)}


def parse_view(text):
    """castload view's summary lines 'packets: N (R packets/s)' and 'latency ms: p50 A p99 B ...'."""
    figures = {}
    for line in text.splitlines():
        if line.startswith("packets:"):
            figures["packets_per_s"] = float(re.search(r"\(([\d.]+) packets/s\)", line).group(1))
        elif line.startswith("latency ms:"):
            words = line.split()
            figures["p50"] = float(words[words.index("p50") + 1])
            figures["p99"] = float(words[words.index("p99") + 1])
    return figures


def max_rate(cache_bytes):
    """castload bench fanout at max rate (synthetic payloads: the scanner's not-TS path), delivered messages/s."""
    with Castd(compare.CASTD_HTTP, compare.PORTS["castd"], compare.SOURCE_PORT, CASTD_MAX_STREAMS_PER_USER=1000000,
               CASTD_GOP_CACHE_BYTES=cache_bytes) as castd:
        castd.register("bench")
        figures = compare.fanout("castd", MAX_RATE_SUBSCRIBERS, 1316)
    if not figures:
        raise SystemExit("castload bench fanout delivered nothing")
    return figures


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, summary in results:
        times = sorted(summary["timesMs"])
        ax.step(times, [(i + 1) / len(times) for i in range(len(times))], where="post", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("connect → first decoded video frame (ms, log scale)")
    ax.set_ylabel(f"share of {JOINS} joins")
    ax.set_title("Time to first frame, 2 s GOP, joins at random moments (castd on loopback)")
    ax.axvline(150, color="grey", linestyle=":", label="target p99 150 ms")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    results = []
    for label, settings, args in MODES:
        log(f"== {label}: {JOINS} joins")
        summary = first_frames(settings, args)
        results.append((label, summary))
        log(f"   p50 {summary['p50Ms']} ms, p99 {summary['p99Ms']} ms, mean {summary['meanMs']} ms")
    live = {"on": [], "off": []}
    for run in range(RUNS):
        for state, cache in (("on", 8 << 20), ("off", 0)):
            figures = live_viewers(cache)
            live[state].append(figures)
            log(f"== live viewers, cache {state}, run {run + 1}: {figures}")
    fanout = {"on": [], "off": []}
    for run in range(RUNS):
        for state, cache in (("on", 8 << 20), ("off", 0)):
            figures = max_rate(cache)
            fanout[state].append(figures)
            log(f"== max-rate fan-out, cache {state}, run {run + 1}: {figures.get('deliveredMessagesPerSecond')} messages/s delivered")
    rows = ["| join | joins | p50 ms | p90 ms | p99 ms | mean ms | max ms |", "|---|---:|---:|---:|---:|---:|---:|"]
    rows += [f"| {label} | {s['joins']} | {s['p50Ms']} | {s['p90Ms']} | {s['p99Ms']} | {s['meanMs']} | {s['maxMs']} |" for label, s in results]
    live_rows = ["| GOP cache | castd cores | latency p50 ms | latency p99 ms | packets/s delivered |", "|---|---:|---:|---:|---:|"]
    for state in ("on", "off"):
        med = {key: statistics.median(r[key] for r in live[state] if key in r) for key in ("cores", "p50", "p99", "packets_per_s") if any(key in r for r in live[state])}
        live_rows.append(f"| {state} | {med.get('cores', 0):.2f} | {med.get('p50', 0)} | {med.get('p99', 0)} | {med.get('packets_per_s', 0):.0f} |")
    fanout_rows = [f"| GOP cache | delivered messages/s ({MAX_RATE_SUBSCRIBERS} subscribers, max rate) |", "|---|---:|"]
    for state in ("on", "off"):
        fanout_rows.append(f"| {state} | {statistics.median(r['deliveredMessagesPerSecond'] for r in fanout[state]):,.0f} |")
    table = "\n".join(rows) + "\n\n" + "\n".join(live_rows) + "\n\n" + "\n".join(fanout_rows)
    print(table)
    if SMOKE:
        return
    with open(os.path.join(OUT, "RESULTS.md"), "w") as results_file:
        results_file.write(f"# Fast start (bench/faststart/run.sh)\n\nMedia: tests/media/out/h264-aac.ts (ffmpeg, H.264 + AAC, 2 s GOP), "
                           f"castload source --ts, one channel. First frame: `castload firstframe`, {JOINS} joins one after "
                           f"another, each after a random wait of 0–2 s, ffmpeg decoding (started before the clock). Live "
                           f"viewers: {VIEWERS} framed viewers for {LIVE_SECONDS} s, medians of {RUNS} alternating runs.\n\n{table}\n")
    plot(results, os.path.join(OUT, "faststart-first-frame.png"))


if __name__ == "__main__":
    main()
