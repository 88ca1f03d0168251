"""GETs /healthz on 127.0.0.1:PORT back to back for SECONDS and prints "answered failed": how many requests got
their 200 and how many did not (refused, reset, timed out). Usage: http_probe.py PORT SECONDS"""
import sys
import time
import urllib.request

port, seconds = int(sys.argv[1]), float(sys.argv[2])
answered = failed = 0
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            answered += response.status == 200
    except OSError:
        failed += 1
    time.sleep(0.02)
print(answered, failed)
