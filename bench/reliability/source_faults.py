#!/usr/bin/python3
"""Source faults at scale (issue 9): a misbehaving channel source under load; nothing lost but what it never sent.

Load, all on loopback: one castd (defaults, but CASTD_MAX_STREAMS_PER_USER raised so one user can be the crowd),
8 channels at 50 packets/s of 1316 bytes (shuffled in blocks of --reorder 32: each channel 4 deep), and --viewers framed viewers (1,600: 200 a
channel), one `castload view` crowd a channel, all connected before the source starts. The source is `castload source
--faults all --fault-every 3s` for --seconds: every 1.5-4.5 s one of a clean hang-up, a frame stalled half-way (held
open until castd's 2 s stall timeout drops it), a truncated frame, a header with a control-byte channel id, a header
declaring 4 GiB, one channel silent for 3 s, one channel's numbering jumping 5,000 ahead. The source goes on over
castd's next connection where it stopped (a cut frame sent again whole, what fell due meanwhile sent at once), and
says at the end how many packets each channel sent and how many numbers it never sent (the jumps).

Rules (exit 1 when one fails):
- every viewer stays: none refused, none cut by castd; nothing out of order, no payload corrupt.
- every number accounted for, per channel: castd's lost = the numbers the source never sent (the jumps) + those it
  gave up on after its gap timeout and that came later (counted late too: with a shuffling source, a stall holds a
  cut frame's later numbers 2 s while castd waits 200 ms for it); every viewer got every packet the source sent but
  those given up, and missed exactly what castd counted lost (gaps = viewers x lost). No duplicates, no restarts.
  So a break costs nothing but what the gap timeout gives up, and a jump or silence on one channel costs the others
  nothing.
- castd counted every fault: source protocol errors = stalls + truncations + garbage + oversize; redials while the
  source ran = faults that ended a connection.
- castd answered /healthz every second.
Sampled every second: castd's deliveries/s, source connection, lost; per crowd the second's latency p99 (castload's
send stamp to receipt), marked with the faults in a plot. Writes bench/reliability/source_faults.json and
bench/reliability/source-faults.png.

   bench/reliability/source_faults.sh [--seconds 120] [--viewers 1600] [--reorder 32]   about 2.5 minutes
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from castd_run import CASTLOAD, ROOT, Castd, log, metric_total, pyplot, save_figure  # noqa: E402

HTTP, STREAM, SOURCE = 18580, 19511, 19510
CHANNELS = [f"chan{i:02}" for i in range(1, 9)]
CONNECTION_FAULTS = ("hangup", "stall", "truncate", "garbage", "oversize")
PROTOCOL_FAULTS = ("stall", "truncate", "garbage", "oversize")


class SourceLog(threading.Thread):
    """Reads castload source's output as it comes: the faults with their times, then its per-channel summary."""

    def __init__(self, process, started):
        super().__init__(daemon=True)
        self.process, self.started = process, started
        self.faults, self.injected, self.channels = [], {}, {}

    def run(self):
        for line in self.process.stdout:
            if match := re.match(r"castload source: fault at [\d.]+ s: (\S+)(.*)", line):
                self.faults.append(dict(at=round(time.monotonic() - self.started, 2), fault=match[1], detail=match[2].strip()))
            elif line.startswith("castload source: faults: "):
                self.injected = {name: int(n) for name, n in re.findall(r"(\w+) (\d+)", line.split(": ", 2)[2])}
            elif match := re.match(r"castload source: (\w{6}): (\d+) packets sent, (\d+) numbers never sent", line):
                self.channels[match[1]] = dict(sent=int(match[2]), never_sent=int(match[3]))


class Output(threading.Thread):
    """Keeps a process's stdout as it comes, so a crowd never blocks on a full pipe with its second-by-second lines."""

    def __init__(self, process):
        super().__init__(daemon=True)
        self.process, self.lines = process, []
        self.start()

    def run(self):
        self.lines.extend(self.process.stdout)


def crowd_summary(text):
    """castload view's closing lines: viewers, refused, closed by castd, packets, gaps, out of order, corrupt."""
    viewers = re.search(r"viewers: (\d+) \((\d+) refused, (\d+) closed by castd\)", text)
    packets = re.search(r"packets: (\d+)", text)
    gaps = re.search(r"gaps: (\d+), out-of-order: (\d+), corrupt: (\d+)", text)
    return dict(viewers=int(viewers[1]), refused=int(viewers[2]), closed_by_castd=int(viewers[3]), packets=int(packets[1]),
                gaps=int(gaps[1]), out_of_order=int(gaps[2]), corrupt=int(gaps[3]))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--viewers", type=int, default=1600)
    parser.add_argument("--reorder", type=int, default=32, help="castload source --reorder: 32 over 8 channels shuffles each channel 4 deep")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.viewers % len(CHANNELS):
        parser.error(f"--viewers must be a multiple of {len(CHANNELS)}")
    return args


def main():
    args = parse_args()
    per_channel = args.viewers // len(CHANNELS)
    with Castd(HTTP, STREAM, SOURCE, CASTD_MAX_STREAMS_PER_USER=1_000_000) as castd:
        castd.register("fan")
        crowds = {channel: subprocess.Popen(
            CASTLOAD + ["view", "--stream", f"127.0.0.1:{STREAM}", "--user", "fan", "--channel", channel, "--framed",
                        "--count", str(per_channel), "--ramp", "1ms", "--marks"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for channel in CHANNELS}
        outputs = {channel: Output(crowd) for channel, crowd in crowds.items()}
        deadline = time.monotonic() + 60
        while castd.health(timeout=5)["viewers"] < args.viewers:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {castd.health(timeout=5)['viewers']} of {args.viewers} viewers connected in 60 s")
            time.sleep(0.5)
        log(f"source faults: {args.viewers} viewers on {len(CHANNELS)} channels; the faulty source runs {args.seconds} s")
        started = time.monotonic()
        source = subprocess.Popen(CASTLOAD + ["source", "--port", str(SOURCE), "--channels", ",".join(CHANNELS), "--rate", "50",
                                              "--reorder", str(args.reorder), "--faults", "all", "--fault-every", "3s",
                                              "--duration", f"{args.seconds}s", "--seed", str(args.seed)],
                                  stdout=subprocess.PIPE, text=True)
        source_log = SourceLog(source, started)
        source_log.start()
        samples, unanswered, second = [], 0, 0
        delivered_before = metric_total(castd.metrics(), "castd_delivered_packets_total")
        while source.poll() is None or second < args.seconds + 3:
            second += 1
            time.sleep(max(0.0, started + second - time.monotonic()))
            for crowd in crowds.values():
                crowd.stdin.write(f"s{second}\n")
                crowd.stdin.flush()
            try:
                health, delivered = castd.health(timeout=5), metric_total(castd.metrics(), "castd_delivered_packets_total")
            except OSError:
                unanswered += 1
                continue
            samples.append(dict(t=second, source_running=source.poll() is None, connected=health["sourceConnected"],
                                reconnects=health["sourceReconnects"], protocol_errors=health["sourceProtocolErrors"],
                                lost=sum(c["lost"] for c in health["channels"]), delivered_per_s=delivered - delivered_before))
            delivered_before = delivered
            if second % 10 == 0:
                log(f"  {second:3} s: {len(source_log.faults)} faults so far, {samples[-1]['delivered_per_s']:,.0f} deliveries/s, "
                    f"{health['viewers']} viewers")
        source_log.join()
        final = castd.health(timeout=5)
        crowd_out = {}
        for channel, crowd in crowds.items():
            crowd.stdin.close()
            crowd.wait()
            outputs[channel].join()
            crowd_out[channel] = "".join(outputs[channel].lines)
    result = judge(args, per_channel, source_log, samples, unanswered, final, crowd_out)
    with open(os.path.join(ROOT, "bench/reliability/source_faults.json"), "w") as out:
        json.dump(result, out, indent=1)
    plot(result, os.path.join(ROOT, "bench/reliability/source-faults.png"))
    for line in result["checks"]:
        print(line)
    if any(line.startswith("FAIL") for line in result["checks"]):
        raise SystemExit(1)


def judge(args, per_channel, source_log, samples, unanswered, final, crowd_out):
    crowds = {channel: crowd_summary(text) for channel, text in crowd_out.items()}
    intervals = {channel: [json.loads(line) for line in text.splitlines() if line.startswith("{")] for channel, text in crowd_out.items()}
    injected, sent = source_log.injected, source_log.channels
    castd_channels = {c["id"]: c for c in final["channels"]}
    while_running = [s for s in samples if s["source_running"]]
    checks = []

    def check(ok, text):
        checks.append(f"{'PASS' if ok else 'FAIL'} {text}")

    check(len(sent) == len(CHANNELS), f"the source summed up {len(sent)} of {len(CHANNELS)} channels; faults: {injected}")
    cut = sum(c["closed_by_castd"] + c["refused"] for c in crowds.values())
    check(cut == 0 and all(c["viewers"] == per_channel for c in crowds.values()), f"every viewer stayed: {cut} cut or refused")
    disorder = sum(c["out_of_order"] + c["corrupt"] for c in crowds.values())
    check(disorder == 0, f"nothing out of order or corrupt: {disorder}")
    gave_up = {}
    for channel in CHANNELS:
        crowd, source, counted = crowds[channel], sent.get(channel, dict(sent=-1, never_sent=-1)), castd_channels[channel]
        # Numbers castd skipped after a gap timeout that the source did send (late, after a stall): each counted twice.
        gave_up[channel] = counted["lost"] - source["never_sent"]
        check(crowd["packets"] == per_channel * (source["sent"] - gave_up[channel]) and crowd["gaps"] == per_channel * counted["lost"],
              f"{channel}: {per_channel} viewers got {crowd['packets']:,} packets (sent {source['sent']:,} each, {gave_up[channel]} "
              f"given up) and missed {crowd['gaps']:,} (castd counted {counted['lost']} lost each)")
        check(gave_up[channel] >= 0 and counted["late"] == gave_up[channel] and counted["duplicates"] == counted["restarts"] == 0,
              f"{channel}: castd counted lost {counted['lost']} = never sent {source['never_sent']} + given up {gave_up[channel]}, "
              f"late {counted['late']}, duplicates {counted['duplicates']}, restarts {counted['restarts']}")
    protocol = sum(injected.get(f, 0) for f in PROTOCOL_FAULTS)
    check(final["sourceProtocolErrors"] == protocol, f"castd counted {final['sourceProtocolErrors']} source protocol errors "
          f"for {protocol} stalls, truncations, garbage and oversize headers")
    # castd dialled in vain until the source listened: redials count from its first sample connected, before any fault.
    ended = sum(injected.get(f, 0) for f in CONNECTION_FAULTS)
    first = next((s for s in while_running if s["connected"]), None)
    first_fault = source_log.faults[0]["at"] if source_log.faults else float("inf")
    redials = while_running[-1]["reconnects"] - first["reconnects"] if first and first["t"] < first_fault else -1
    check(redials == ended, f"castd redialled {redials} times while the source ran, for {ended} faults that ended a connection")
    check(unanswered == 0, f"/healthz answered every second: {unanswered} unanswered")
    p99 = {channel: max((i["latencyP99Ms"] or 0) for i in intervals[channel]) for channel in CHANNELS}
    return dict(viewers=args.viewers, seconds=args.seconds, reorder=args.reorder, gave_up=gave_up, faults=source_log.faults, injected=injected, sent=sent,
                crowds=crowds, castd_channels=castd_channels, samples=samples, worst_second_p99_ms=p99,
                intervals={c: [dict(t=i["interval"], p99=i["latencyP99Ms"], gaps=i["gaps"]) for i in v] for c, v in intervals.items()},
                checks=checks)


def plot(result, path):
    plt = pyplot()
    if plt is None:
        return
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 7), sharex=True)
    samples = result["samples"]
    top.plot([s["t"] for s in samples], [s["delivered_per_s"] / 1000 for s in samples], color="tab:blue")
    top.set_ylabel("castd deliveries (k/s)")
    for channel, intervals in result["intervals"].items():
        # A second with no packet (a stall) has no p99: a break in the line.
        bottom.plot([int(i["t"][1:]) for i in intervals], [i["p99"] or float("nan") for i in intervals], linewidth=0.8, label=channel)
    bottom.set_ylabel("viewers' p99 latency in the second (ms)")
    bottom.set_yscale("log")
    bottom.set_xlabel("seconds since the source started")
    bottom.legend(ncol=8, fontsize="small", loc="upper right")
    colors = dict(hangup="grey", stall="red", truncate="orange", garbage="purple", oversize="black", silence="green", jump="blue")
    for fault in result["faults"]:
        for axis in (top, bottom):
            axis.axvline(fault["at"], color=colors.get(fault["fault"], "black"), alpha=0.5, linewidth=1)
    handles = [plt.Line2D([], [], color=c, label=f) for f, c in colors.items()]
    top.legend(handles=handles, ncol=7, fontsize="small", loc="lower center", bbox_to_anchor=(0.5, 1.0), title="faults (vertical lines)")
    passed = sum(line.startswith("PASS") for line in result["checks"])
    save_figure(fig, f"castload source --faults all under {result['viewers']:,} viewers: {len(result['faults'])} faults, "
                f"{passed}/{len(result['checks'])} checks pass", path)


if __name__ == "__main__":
    main()
