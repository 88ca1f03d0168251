#!/usr/bin/python3
"""Soak (issue 9): castd at a realistic, churning load for 30 minutes, sampled every 5 s; flat means no leak.

Load, all on loopback:
- castload source: 8 channels replaying real H.264 + AAC (tests/media/out/demo.ts, ~2.3 Mbit/s, ~215 packets/s of
  1316 bytes each), or `--synthetic`: 200 packets/s of 1316 bytes.
- castload fans, one process per channel, 320 fans in all, skewed like a real line-up (96 on the first channel, 16 on
  the last): framed streams, 10 % brand-new accounts registered on join, room chat at 0.1 message/s a fan. Every
  process lives 2-5 minutes and is then replaced by a fresh crowd on other accounts, so viewers keep joining and
  leaving (about 2,500 viewer sessions in 30 minutes) and watch time keeps going to RocksDB.
- 4 HTTP players (`GET /live/<channel>.ts`, fast start) that each watch 20-60 s and are replaced.
- 20 external-player sessions (`PUT /streaming`, a heartbeat every 2 s); each ends after 20-90 s, by DELETE or
  (one in five) by going silent until the session TTL expires it.
- every 5 s: GET /usage/<a fan>, /healthz, /channels (and the sampler's /metrics).

Sampled every 5 s: VmRSS and Threads (/proc/pid/status), open fds (/proc/pid/fd), CPU, and from /metrics
(.NET's System.Runtime meter and castd's own): GC pause time, collections per generation, heap after the last GC,
committed GC memory, thread-pool threads, timers, viewers, chat connections, sessions, packets in and delivered.

The rule ("flat, no leak"), on the samples after the warm-up (the first sixth of the run):
- RSS, in its two owners: the GC heap is judged by the live-heap rule below; the rest of RSS (RSS − the GC's committed
  memory: native code and data, RocksDB, thread stacks) has a least-squares slope over the second half of the run
  below 5 MiB per 10 minutes. About 1,300 viewer sessions start and end in a 30-minute run's second half, so 5 MiB/10
  min catches a native leak of ~6 KiB per session. And RSS right after the full GC at the end of the load is within
  +10 % (+2 MiB) of RSS right after the one at the end of the warm-up, which catches memory the GC keeps but no live
  object needs. The slope of RSS itself is printed, not judged: it follows the GC's committed memory, which grows
  and shrinks with when the GC runs its few gen2 collections (9 in one 30-minute run, whose RSS slope was +7.12
  MiB/10 min with a flat live heap), so over a 15-minute half it measures GC timing more than a leak.
- threads: the last sample under load is within ±6 of the post-warm-up median, and the second-half slope is below
  2 threads per 10 minutes (the thread pool adds and retires workers as the shared machine's load moves).
- fds and timers: after the load stops and 20 s pass (sockets closed, sessions past their TTL), castd holds no more
  than 8 fds above what it held idle before the load (RocksDB may open a few more files), and no more than 8 more
  .NET timers (every viewer holds one while connected). Under load the fd count follows the clients (a socket per
  viewer and per chat connection, and each crowd's up to 64 keep-alive connections from registering its accounts),
  so a leaked socket shows for sure only once they are gone; fds − viewers − chat is reported, not judged.
- GC: pauses add up to less than 2 % of the wall time after the warm-up.
- live heap: castd's GC heap after a full blocking GC at the end of the load is within +10 % (+2 MiB) of the one at
  the end of the warm-up, under the same load. dotnet-gcdump induces each of these GCs (and its dump's biggest types
  are diffed and printed); the heap size is castd's own figure from /metrics, taken right after. Unlike RSS, this
  does not move with when the GC decides to collect or to give memory back.
- liveness: castd is alive at the end, packets are delivered in every 30 s window, /healthz always answered.
Exits 1 when a rule fails (a `--smoke` run prints the verdict but fails only if castd died or stalled: a minute is
too short for slopes). Progress: one line a minute on stderr. Writes bench/reliability/soak.csv and soak.png
(soak-smoke.* for a smoke run).

   bench/reliability/soak.sh [--minutes 30] [--smoke] [--synthetic] [--seed 1]
"""
import argparse
import collections
import csv
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from castd_run import CASTLOAD, ROOT, LoggedCastd, log, metric_total  # noqa: E402

HTTP, STREAM, SOURCE = 18380, 19311, 19310
CHANNELS = [f"soak{i:02}" for i in range(1, 9)]
FANS_PER_CHANNEL = [96, 64, 48, 32, 32, 16, 16, 16]  # 320: a few big channels and a long tail
DEMO = os.path.join(ROOT, "tests/media/out/demo.ts")
DEMO_SECONDS = 32  # scripts/make-test-media.sh --demo
SYNTHETIC_RATE = 200
SAMPLE_S = 5
PLAYERS = 4
EXT_SESSIONS = 20
DRAIN_S = 20  # past the 10 s session TTL, so every lease castd held is gone
OUT = os.path.dirname(os.path.abspath(__file__))

RSS_SLOPE_MIB_PER_10MIN = 5.0
THREADS_END_TOLERANCE = 6
THREADS_SLOPE_PER_10MIN = 2.0
FDS_IDLE_TOLERANCE = 8
TIMERS_IDLE_TOLERANCE = 8
GC_PAUSE_SHARE = 0.02
HEAP_GROWTH, HEAP_SLACK_MIB = 1.10, 2.0
STALL_S = 30


def get(path, timeout=5):
    with urllib.request.urlopen(f"http://127.0.0.1:{HTTP}{path}", timeout=timeout) as response:
        return response.read()


def request(method, path):
    try:
        with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{HTTP}{path}", method=method), timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return int(fields["VmRSS"][0]), int(fields["Threads"][0])


class Load:
    """The clients: fans processes per channel, HTTP players, external sessions, readers. Stops on stop()."""

    def __init__(self, castd, args, rng, tmp):
        self.castd, self.args, self.rng, self.tmp = castd, args, rng, tmp
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.fans = {}  # channel -> Popen
        self.generations = 0
        self.fan_summaries = []  # last stderr line of every fans process that ended
        self.players = 0
        self.player_sessions = 0
        self.ext_active = 0
        self.ext_sessions = 0
        self.ext_expired = 0
        self.ext_dropped = 0
        self.read_failures = collections.Counter()
        self.reads = 0
        self.known_users = ["player-1"]
        self.threads = []

    def start(self):
        for i, channel in enumerate(CHANNELS):
            self._spawn(self._fans_loop, i, channel)
        for k in range(PLAYERS):
            self._spawn(self._player_loop, k)
        self._spawn(self._sessions_loop)
        self._spawn(self._reader_loop)

    def _spawn(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _fans_loop(self, i, channel):
        packet_ms = 1000 / SYNTHETIC_RATE if self.args.synthetic else DEMO_SECONDS * 1000 / (os.path.getsize(DEMO) // 1316)
        if self.stopping.wait(i * 3):  # spread the first start-ups (a dotnet start costs a core for a second)
            return
        generation = 0
        while not self.stopping.is_set():
            # Alternate account blocks per generation so a new crowd never meets the sessions the last one left.
            offset = (i * 2 + generation % 2) * 1000
            seconds = self.rng.uniform(*self.args.fan_life)
            err = open(os.path.join(self.tmp, f"fans-{channel}-{generation}.err"), "w+")
            process = subprocess.Popen(
                CASTLOAD + ["fans", "--http", f"127.0.0.1:{HTTP}", "--stream", f"127.0.0.1:{STREAM}", "--channel", channel,
                            "--users", str(FANS_PER_CHANNEL[i]), "--ramp", "200ms", "--percent-new", "10",
                            "--existing-offset", str(offset), "--chat-rate", "0.1", "--packet-ms", f"{packet_ms:.4f}",
                            "--interval", "5s", "--duration", f"{seconds:.0f}s", "--out", os.devnull],
                stdout=subprocess.DEVNULL, stderr=err)
            with self.lock:
                self.fans[channel] = process
                self.generations += 1
                self.known_users.append(f"testfan{offset}")
            while process.poll() is None and not self.stopping.wait(1):
                pass
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
            err.seek(0)
            lines = [line.strip() for line in err if line.startswith("castload fans:")]
            err.close()
            with self.lock:
                self.fans.pop(channel, None)
                if lines:
                    self.fan_summaries.append((channel, generation, lines[-1]))
            generation += 1

    def _player_loop(self, k):
        user = f"player-{k + 1}"
        self.castd.register(user)
        while not self.stopping.is_set():
            channel = self.rng.choice(CHANNELS)
            until = time.time() + self.rng.uniform(20, 60)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{HTTP}/live/{channel}.ts?user={user}", timeout=10) as stream:
                    with self.lock:
                        self.players += 1
                        self.player_sessions += 1
                    try:
                        while time.time() < until and not self.stopping.is_set() and stream.read(65536):
                            pass
                    finally:
                        with self.lock:
                            self.players -= 1
            except (OSError, http.client.HTTPException) as error:
                with self.lock:
                    self.read_failures[f"player: {type(error).__name__}"] += 1
                self.stopping.wait(1)

    def _sessions_loop(self):
        """External players: PUT, a heartbeat every 2 s, then DELETE or silence (expiry)."""
        live = {}  # account -> (stream id, ends at, deletes)
        serial = 0
        while not self.stopping.wait(2):
            now = time.time()
            for account, (stream, ends, deletes) in list(live.items()):
                query = f"/streaming?account={account}&streamId={stream}"
                if now >= ends:
                    del live[account]
                    if deletes:
                        request("DELETE", query)
                    else:
                        with self.lock:
                            self.ext_expired += 1
                elif request("GET", query) != 200:
                    del live[account]
                    with self.lock:
                        self.ext_dropped += 1
            while len(live) < EXT_SESSIONS:
                serial += 1
                account, stream = f"ext-{serial % 200}", f"tv-{serial}"
                if request("PUT", f"/streaming?account={account}&streamId={stream}") == 200:
                    live[account] = (stream, now + self.rng.uniform(20, 90), self.rng.random() >= 0.2)
                    with self.lock:
                        self.ext_sessions += 1
                else:
                    break
            with self.lock:
                self.ext_active = len(live)
        for account, (stream, _, _) in live.items():
            request("DELETE", f"/streaming?account={account}&streamId={stream}")

    def _reader_loop(self):
        while not self.stopping.wait(SAMPLE_S):
            with self.lock:
                user = self.rng.choice(self.known_users)
            for path in (f"/usage/{user}", "/healthz", "/channels"):
                try:
                    json.loads(get(path))
                    self.reads += 1
                except (OSError, ValueError, http.client.HTTPException) as error:
                    with self.lock:
                        self.read_failures[f"{path.split('/')[1]}: {type(error).__name__}"] += 1

    def fans_running(self):
        with self.lock:
            return len(self.fans)

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def sample(castd, load, t0):
    pid = castd.process.pid
    rss_kib, threads = proc_status(pid)
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    m = castd.metrics()
    row = {
        "t_s": round(time.time() - t0, 1),
        "rss_mib": round(rss_kib / 1024, 2),
        "threads": threads,
        "fds": fds,
        "gc_pause_total_ms": round(metric_total(m, "dotnet_gc_pause_time_seconds_total") * 1000, 3),
        "gen0": int(metric_total(m, "dotnet_gc_collections_total", 'gen0"')),
        "gen1": int(metric_total(m, "dotnet_gc_collections_total", 'gen1"')),
        "gen2": int(metric_total(m, "dotnet_gc_collections_total", 'gen2"')),
        "heap_mib": round(metric_total(m, "dotnet_gc_last_collection_heap_size_bytes") / 2**20, 2),
        "gen2_loh_poh_mib": round(sum(metric_total(m, "dotnet_gc_last_collection_heap_size_bytes", f'{g}"') for g in ("gen2", "loh", "poh")) / 2**20, 2),
        "gc_committed_mib": round(metric_total(m, "dotnet_gc_last_collection_memory_committed_size_bytes") / 2**20, 2),
        "allocated_mib": round(metric_total(m, "dotnet_gc_heap_total_allocated_bytes_total") / 2**20, 1),
        "pool_threads": int(metric_total(m, "dotnet_thread_pool_thread_count_total")),
        "timers": int(metric_total(m, "dotnet_timers")),
        "viewers": int(metric_total(m, "castd_viewers")),
        "chat": int(metric_total(m, "castd_chat_connections")),
        "sessions": int(metric_total(m, "castd_sessions_active")),
        "ingest_packets": int(metric_total(m, "castd_ingest_packets_total")),
        "delivered_packets": int(metric_total(m, "castd_delivered_packets_total")),
        "lost_packets": int(metric_total(m, "castd_reorder_lost_total")),
        "cut_slow": int(metric_total(m, "castd_viewer_disconnects_total", 'reason="slow"') + metric_total(m, "castd_viewer_disconnects_total", 'reason="Slow"')),
        "cut_error": int(metric_total(m, "castd_viewer_disconnects_total", 'reason="error"') + metric_total(m, "castd_viewer_disconnects_total", 'reason="Error"')),
        "chat_delivered": int(metric_total(m, "castd_chat_delivered_total")),
        "chat_cut_slow": int(metric_total(m, "castd_chat_cut_slow_total")),
        "usage_flush_failures": int(metric_total(m, "castd_usage_flush_failures_total")),
        "cpu_s": round(castd.cpu_seconds(), 2),
        "load1": os.getloadavg()[0],
        "fans_procs": load.fans_running() if load else 0,
    }
    row["gc_pause_ms"] = 0.0
    return row


def slope_per_10min(rows, key):
    """Least-squares slope of key against time, in units per 10 minutes."""
    xs = [r["t_s"] for r in rows]
    ys = [r[key] for r in rows]
    if len(xs) < 3:
        return 0.0
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx * 600 if sxx else 0.0


def figures(rows, key):
    values = [r[key] for r in rows]
    return {"start": values[0], "median": statistics.median(values), "end": values[-1], "max": max(values), "min": min(values)}


def plot(rows, warmup_s, half_s, fit, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    minutes = [r["t_s"] / 60 for r in rows]
    fig, axes = plt.subplots(5, 1, figsize=(10, 13), sharex=True)
    panels = [
        ("RSS (MiB)", [("rss_mib", "RSS"), ("gc_committed_mib", "GC committed"), ("heap_mib", "GC heap after last GC"),
                       ("native_mib", "RSS − GC committed")]),
        ("threads", [("threads", "OS threads"), ("pool_threads", "thread-pool threads")]),
        ("open fds", [("fds", "fds"), ("other_fds", "fds − viewers − chat")]),
        ("GC pause (ms)", [("gc_pause_ms", "per 5 s interval")]),
        ("connected", [("viewers", "stream viewers (TCP + HTTP)"), ("chat", "chat connections"), ("sessions", "sessions")]),
    ]
    for ax, (title, series) in zip(axes, panels):
        for key, label in series:
            ax.plot(minutes, [r[key] for r in rows], label=label, linewidth=1)
        ax.axvspan(0, warmup_s / 60, color="0.9", zorder=0)
        ax.set_ylabel(title)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    a, b = fit
    second = [r for r in rows if r["t_s"] >= half_s]
    axes[0].plot([r["t_s"] / 60 for r in second], [a + b * r["t_s"] for r in second], "k--", linewidth=1,
                 label=f"RSS − GC committed, second-half fit {b * 600:+.2f} MiB/10 min")
    axes[0].legend(loc="upper left", fontsize=8)
    cumulative = axes[3].twinx()
    cumulative.plot(minutes, [r["gc_pause_total_ms"] for r in rows], color="tab:red", linewidth=1)
    cumulative.set_ylabel("cumulative (ms)", color="tab:red")
    axes[-1].set_xlabel("minutes (grey: warm-up, not judged)")
    fig.suptitle("castd soak: 8 channels, 320 churning fans, HTTP players and sessions, chat, usage to RocksDB", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--smoke", action="store_true", help="about a minute, short fan lives: checks the plumbing")
    parser.add_argument("--synthetic", action="store_true", help=f"{SYNTHETIC_RATE} packets/s of filler instead of real media")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=OUT, help="directory for soak.csv and soak.png (soak-smoke.* with --smoke)")
    args = parser.parse_args()
    # A smoke run's files go beside the recorded run's, not over them.
    args.name = "soak-smoke" if args.smoke else "soak"
    if args.smoke:
        args.minutes = 1.2
    args.fan_life = (20, 40) if args.smoke else (120, 300)
    duration_s = args.minutes * 60
    warmup_s = duration_s / 6
    half_s = duration_s / 2
    rng = random.Random(args.seed)
    if not args.synthetic and not os.path.exists(DEMO):
        raise SystemExit(f"{DEMO} missing: run scripts/make-test-media.sh --demo (soak.sh does)")
    tmp = tempfile.mkdtemp(prefix="castd-soak-")
    source_args = ["--rate", str(SYNTHETIC_RATE)] if args.synthetic else ["--ts", DEMO]
    source = subprocess.Popen(CASTLOAD + ["source", "--port", str(SOURCE), "--channels", ",".join(CHANNELS)] + source_args,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows, idle_before, idle_after, stalls, healthz_failures = [], None, None, [], 0
    heap_warm, heap_end = None, None
    died = None
    try:
        with LoggedCastd(os.path.join(tmp, "castd.log"), HTTP, STREAM, SOURCE) as castd:
            deadline = time.time() + 30
            while metric_total(castd.metrics(), "castd_source_connected") < 1:
                if time.time() > deadline:
                    raise SystemExit("castd never connected to the source")
                time.sleep(0.2)
            time.sleep(SAMPLE_S)
            t0 = time.time()
            idle_before = sample(castd, None, t0)
            log(f"soak: {args.minutes:g} min, {len(CHANNELS)} channels ({'synthetic' if args.synthetic else 'demo.ts'}), "
                f"{sum(FANS_PER_CHANNEL)} fans, castd pid {castd.process.pid}; idle: RSS {idle_before['rss_mib']:.0f} MiB, "
                f"{idle_before['threads']} threads, {idle_before['fds']} fds")
            load = Load(castd, args, rng, tmp)
            load.start()
            t0 = time.time()
            next_sample, next_progress = t0 + SAMPLE_S, t0 + 60
            while time.time() < t0 + duration_s:
                time.sleep(max(0.0, next_sample - time.time()))
                next_sample += SAMPLE_S
                if castd.process.poll() is not None:
                    died = f"castd exited with {castd.process.returncode} after {(time.time() - t0) / 60:.1f} min"
                    with open(castd.log_path) as output:
                        log(f"{died}; its last output ({castd.log_path} is kept):\n" + "".join(output.readlines()[-40:]))
                    break
                try:
                    row = sample(castd, load, t0)
                except OSError as error:
                    healthz_failures += 1
                    log(f"sample failed: {error}")
                    continue
                with load.lock:
                    row.update(players=load.players, ext_sessions=load.ext_active)
                row["gc_pause_ms"] = round(row["gc_pause_total_ms"] - (rows[-1]["gc_pause_total_ms"] if rows else idle_before["gc_pause_total_ms"]), 3)
                row["other_fds"] = row["fds"] - row["viewers"] - row["chat"]
                row["native_mib"] = round(row["rss_mib"] - row["gc_committed_mib"], 2)
                rows.append(row)
                if heap_warm is None and row["t_s"] >= warmup_s:
                    heap_warm = castd.heap_after_full_gc(os.path.join(tmp, "warm.gcdump"))
                    log(f"end of warm-up: GC heap after a full GC {heap_warm['heap_mib']} MiB, RSS {heap_warm['rss_mib']} MiB")
                if time.time() >= next_progress:
                    next_progress += 60
                    log(f"{row['t_s'] / 60:5.1f} min  RSS {row['rss_mib']:6.1f} MiB  threads {row['threads']:3}  fds {row['fds']:4}  "
                        f"GC pause {row['gc_pause_total_ms']:8.1f} ms (gen2 {row['gen2']})  heap {row['heap_mib']:5.1f} MiB  "
                        f"viewers {row['viewers']:3}  chat {row['chat']:3}  delivered {row['delivered_packets']:,}  "
                        f"fans gens {load.generations}  load {row['load1']:.1f}")
            if died is None:
                heap_end = castd.heap_after_full_gc(os.path.join(tmp, "end.gcdump"))
                log(f"end of load: GC heap after a full GC {heap_end['heap_mib']} MiB, RSS {heap_end['rss_mib']} MiB")
            load.stop()
            if died is None:
                time.sleep(DRAIN_S)
                idle_after = sample(castd, None, t0)
                usage_sample = json.loads(get(f"/usage/{load.known_users[-1]}"))
            health = json.loads(get("/healthz")) if died is None else {}
    finally:
        source.kill()
        source.wait()
    # Stalls: a window of STALL_S with no packet delivered.
    window = STALL_S // SAMPLE_S
    for i in range(window, len(rows)):
        if rows[i]["delivered_packets"] == rows[i - window]["delivered_packets"]:
            stalls.append(rows[i]["t_s"])

    with open(os.path.join(args.out, f"{args.name}.csv"), "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)

    if died:  # judge what there is, so the figures up to the death are still printed
        warmup_s, half_s = min(warmup_s, rows[-1]["t_s"] / 6), min(half_s, rows[-1]["t_s"] / 2)
    judged = [r for r in rows if r["t_s"] >= warmup_s]
    second = [r for r in rows if r["t_s"] >= half_s]
    rss_slope = slope_per_10min(second, "rss_mib")
    xs = [r["t_s"] for r in second]
    native_slope = slope_per_10min(second, "native_mib")
    intercept = statistics.fmean(r["native_mib"] for r in second) - native_slope / 600 * statistics.fmean(xs)
    threads_median = statistics.median(r["threads"] for r in judged)
    threads_slope = slope_per_10min(second, "threads")
    other_slope = slope_per_10min(second, "other_fds")
    heap_slope = slope_per_10min(second, "gen2_loh_poh_mib")
    pause_judged = judged[-1]["gc_pause_total_ms"] - judged[0]["gc_pause_total_ms"]
    pause_share = pause_judged / 1000 / max(1.0, judged[-1]["t_s"] - judged[0]["t_s"])
    checks = [
        (f"RSS outside the GC heap (RSS − GC committed): second-half slope {native_slope:+.2f} MiB/10 min < {RSS_SLOPE_MIB_PER_10MIN}",
         native_slope < RSS_SLOPE_MIB_PER_10MIN),
        (f"RSS after a full GC at the end {heap_end['rss_mib'] if heap_end else '-'} MiB ≤ after warm-up "
         f"{heap_warm['rss_mib'] if heap_warm else '-'} MiB × {HEAP_GROWTH} + {HEAP_SLACK_MIB:g}",
         args.smoke or (heap_warm is not None and heap_end is not None
                        and heap_end["rss_mib"] <= heap_warm["rss_mib"] * HEAP_GROWTH + HEAP_SLACK_MIB)),
        (f"threads at the end {judged[-1]['threads']} within ±{THREADS_END_TOLERANCE} of the median {threads_median:g}",
         abs(judged[-1]["threads"] - threads_median) <= THREADS_END_TOLERANCE),
        (f"threads second-half slope {threads_slope:+.2f}/10 min < {THREADS_SLOPE_PER_10MIN}", threads_slope < THREADS_SLOPE_PER_10MIN),
        (f"fds after the drain {idle_after['fds'] if idle_after else '-'} ≤ idle before {idle_before['fds']} + {FDS_IDLE_TOLERANCE}",
         idle_after is not None and idle_after["fds"] <= idle_before["fds"] + FDS_IDLE_TOLERANCE),
        (f"timers after the drain {idle_after['timers'] if idle_after else '-'} ≤ idle before {idle_before['timers']} + {TIMERS_IDLE_TOLERANCE}",
         idle_after is not None and idle_after["timers"] <= idle_before["timers"] + TIMERS_IDLE_TOLERANCE),
        (f"GC pauses {pause_share * 100:.3f} % of the judged wall time < {GC_PAUSE_SHARE * 100:g} %", pause_share < GC_PAUSE_SHARE),
        (f"GC heap after a full GC at the end {heap_end['heap_mib'] if heap_end else '-'} MiB ≤ after warm-up "
         f"{heap_warm['heap_mib'] if heap_warm else '-'} MiB × {HEAP_GROWTH} + {HEAP_SLACK_MIB:g}",
         args.smoke or (heap_warm is not None and heap_end is not None
                        and heap_end["heap_mib"] <= heap_warm["heap_mib"] * HEAP_GROWTH + HEAP_SLACK_MIB)),
        (f"castd alive ({died or 'yes'}), no {STALL_S} s without delivery ({len(stalls)} windows), "
         f"samples all answered ({healthz_failures} failed)", died is None and not stalls and healthz_failures == 0),
    ]

    plot(rows, warmup_s, half_s, (intercept, native_slope / 600), os.path.join(args.out, f"{args.name}.png"))

    def line(key, unit="", fmt="{:.1f}"):
        f = figures(judged, key)
        return (f"{key}: start {fmt.format(rows[0][key])}{unit}, after warm-up median {fmt.format(f['median'])}, "
                f"min {fmt.format(f['min'])}, max {fmt.format(f['max'])}, end {fmt.format(f['end'])}{unit}")
    last = rows[-1]
    pauses = [r["gc_pause_ms"] for r in rows]
    report = [
        f"soak {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {args.minutes:g} min, {len(rows)} samples every {SAMPLE_S} s, "
        f"warm-up {warmup_s / 60:.1f} min; source {'synthetic ' + str(SYNTHETIC_RATE) + ' packets/s' if args.synthetic else 'demo.ts'}",
        f"idle before load: RSS {idle_before['rss_mib']} MiB, threads {idle_before['threads']}, fds {idle_before['fds']}, timers {idle_before['timers']}"
        + (f"; {DRAIN_S} s after the load: RSS {idle_after['rss_mib']} MiB, threads {idle_after['threads']}, fds {idle_after['fds']}, "
           f"timers {idle_after['timers']}, GC heap {idle_after['heap_mib']} MiB" if idle_after else ""),
        line("rss_mib", " MiB"), line("heap_mib", " MiB"), line("gen2_loh_poh_mib", " MiB"), line("gc_committed_mib", " MiB"), line("native_mib", " MiB"),
        line("threads", fmt="{:g}"), line("pool_threads", fmt="{:g}"), line("fds", fmt="{:g}"), line("other_fds", fmt="{:g}"),
        line("timers", fmt="{:g}"), line("viewers", fmt="{:g}"), line("chat", fmt="{:g}"),
        f"slopes over the second half (per 10 min): RSS {rss_slope:+.2f} MiB (not judged), outside the GC heap {native_slope:+.2f} MiB, gen2+LOH+POH after GC {heap_slope:+.2f} MiB, "
        f"threads {threads_slope:+.2f}, fds−viewers−chat {other_slope:+.2f}",
        f"GC: {last['gc_pause_total_ms'] - idle_before['gc_pause_total_ms']:.1f} ms paused under load "
        f"(max {max(pauses):.1f} ms in one {SAMPLE_S} s interval, median {statistics.median(pauses):.2f}); collections gen0 {last['gen0']}, "
        f"gen1 {last['gen1']}, gen2 {last['gen2']}; {last['allocated_mib'] / 1024:.1f} GiB allocated",
        f"castd CPU {(last['cpu_s'] - rows[0]['cpu_s']) / max(1, last['t_s'] - rows[0]['t_s']):.2f} cores on average; machine load1 "
        f"median {statistics.median(r['load1'] for r in rows):.1f}, max {max(r['load1'] for r in rows):.1f} ({os.cpu_count()} cores, shared)",
        f"packets: {last['ingest_packets']:,} in, {last['delivered_packets']:,} delivered, {last['lost_packets']} lost in reordering; "
        f"viewers cut by castd: slow {last['cut_slow']}, send error {last['cut_error']}; chat delivered {last['chat_delivered']:,}, "
        f"chat clients cut slow {last['chat_cut_slow']}; usage flush failures {last['usage_flush_failures']}",
        f"load: {load.generations} fans processes (crowds), {load.player_sessions} HTTP player streams, {load.ext_sessions} external "
        f"sessions ({load.ext_expired} left to expire, {load.ext_dropped} not answered 200 on a heartbeat), {load.reads} reads of "
        f"/usage, /healthz, /channels; read failures {dict(load.read_failures) or 0}",
    ]
    if idle_after:
        report.append(f"usage of {load.known_users[-1]} at the end: {json.dumps(usage_sample)}; healthz viewer disconnects "
                      f"{json.dumps(health.get('viewerDisconnects'))}")
    if heap_warm and heap_end:
        growth = sorted(((heap_end["types"].get(t, 0) - heap_warm["types"].get(t, 0), t)
                         for t in set(heap_warm["types"]) | set(heap_end["types"])), reverse=True)[:6]
        report.append(f"after a full GC: warm-up GC heap {heap_warm['heap_mib']} MiB (RSS {heap_warm['rss_mib']}), end of load "
                      f"{heap_end['heap_mib']} MiB (RSS {heap_end['rss_mib']}); the dump's types that grew most: "
                      + ", ".join(f"{t} {b / 1024:+,.0f} KiB" for b, t in growth))
    cuts = collections.Counter()
    for _, _, summary in load.fan_summaries:
        for reason, count in re.findall(r"\[([^\]]+): (\d+)\]", summary):
            cuts[reason] += int(count)
    lagged = sum(int(m) for _, _, s in load.fan_summaries for m in re.findall(r"lagged (\d+)/", s))
    report.append(f"fans' own view over {len(load.fan_summaries)} crowds: cuts {dict(cuts) or 0}; lagged at each crowd's end {lagged}")
    report += [("PASS " if ok else "FAIL ") + text for text, ok in checks]
    print("\n".join(report), flush=True)
    if not died:
        subprocess.run(["rm", "-rf", tmp])
    failed = [text for text, ok in checks if not ok]
    if died or stalls or (failed and not args.smoke):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
