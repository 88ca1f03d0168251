#!/usr/bin/env python3
"""A rehearsal of a live event on one machine: N fans join a 50 packets/s channel on a ramp and watch it; castd's RSS
and CPU are sampled alongside. The fans CSV becomes castload report's HTML page, and that page a PNG."""
import html as entities
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from castd_run import CASTLOAD, ROOT, Castd, log  # noqa: E402

USERS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 60
RAMP_MS = 10
HTTP, STREAM, SOURCE = 18190, 19221, 19220
OUT = os.path.join(ROOT, "bench/fans")


def main():
    csv, html, png = (os.path.join(OUT, "fans.csv"), os.path.join(OUT, "report.html"), os.path.join(OUT, "fans-report.png"))
    source = subprocess.Popen(CASTLOAD + ["source", "--port", str(SOURCE), "--channels", "zato01", "--rate", "50"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = {"rss": 0, "cpu": 0.0}
    try:
        with Castd(HTTP, STREAM, SOURCE) as castd:
            stop = threading.Event()

            def sample():
                cpu0, t0 = castd.cpu_seconds(), time.time()
                while not stop.wait(1):
                    peak["rss"] = max(peak["rss"], castd.rss_kib())
                peak["cpu"] = (castd.cpu_seconds() - cpu0) / (time.time() - t0)
            sampler = threading.Thread(target=sample)
            sampler.start()
            log(f"{USERS} fans, {RAMP_MS} ms ramp, {SECONDS} s")
            run = subprocess.run(CASTLOAD + ["fans", "--http", f"127.0.0.1:{HTTP}", "--stream", f"127.0.0.1:{STREAM}",
                                             "--users", str(USERS), "--ramp", f"{RAMP_MS}ms", "--percent-new", "10",
                                             "--duration", f"{SECONDS}s", "--out", csv],
                                 stderr=subprocess.PIPE, text=True)
            stop.set()
            sampler.join()
    finally:
        source.kill()
    summary = run.stderr.strip().splitlines()[-1]
    log(summary)
    subprocess.run(CASTLOAD + ["report", "--in", csv, "--out", html, "--title",
                               f"castload fans: {USERS} fans on one 2-core machine"], check=True)
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars", f"--screenshot={png}",
                    "--window-size=1000,1750", f"file://{html}"], check=True, stderr=subprocess.DEVNULL)
    rows = dict(re.findall(r"<tr><td>([^<]+)</td><td class=\"n\">([^<]+)</td></tr>", open(html).read()))
    lines = [
        "# Live-event rehearsal: castload fans against castd on one machine",
        "",
        f"`bench/fans/run.sh {USERS} {SECONDS}`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores shared "
        f"by castload source, castd and castload fans: {USERS} fans (10 % brand-new accounts) join a 50 packets/s channel "
        f"of 1316-byte payloads ({50 * 1316 * 8 / 1000:.0f} kbit/s) {RAMP_MS} ms apart and watch for the rest of {SECONDS} s.",
        "",
        "| figure | value |",
        "|---|---|",
        *[f"| {entities.unescape(name.strip())} | {entities.unescape(value)} |" for name, value in rows.items()],
        f"| castd peak RSS | {peak['rss'] / 1024:.0f} MiB |",
        f"| castd CPU, mean over the run | {peak['cpu']:.2f} cores |",
        "",
        f"castload's last line: `{summary}`",
        "",
        "![the report](fans-report.png)",
        "",
    ]
    with open(os.path.join(OUT, "RESULTS.md"), "w") as results:
        results.write("\n".join(lines))
    print("\n".join(lines))


main()
