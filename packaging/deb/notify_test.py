"""The notify protocol without systemd: castd from the package tree, started the way castd.service starts it (its
ExecStart and Environment=, the shipped castd.conf plus an admin's edits, a STATE_DIRECTORY) under a parent named
systemd that listens on NOTIFY_SOCKET. Checks that READY=1 comes only once both ports answer and storage is open,
that WATCHDOG=1 pings come, that SIGTERM brings STOPPING=1 and exit 0 within TimeoutStopSec, and that the stop
flushed usage: the flush interval is set to 10 minutes, so what a restarted castd reports was written by the final
flush alone. castload (from the same tree) is the channel source and the viewer. Then socket activation through
systemd-socket-activate, as castd.socket does it. Usage: notify_test.py TREE"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import fake_systemd

WATCH_SECONDS = 4


def fail(message):
    sys.exit(f"notify test: FAIL: {message}")


def http(port, path, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read().decode()


def stream_answers(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        return True


def socket_activation(unit, conf, state, http_port, stream_port, services):
    """castd.socket without systemd: castd serves on the sockets it is handed, and refuses ones castd.conf disagrees with."""
    with open(os.devnull, "wb") as quiet:
        passed = fake_systemd.Service(unit, conf, state, quiet, listen=[f"127.0.0.1:{http_port}", f"127.0.0.1:{stream_port}"])
        services.append(passed)
        passed.start()
        time.sleep(0.3)
        # The first connection makes systemd-socket-activate exec castd; it waits in the backlog until castd accepts.
        status, _ = http(http_port, "/healthz")
        passed.wait_for("READY=1", 60)
        if status != 200 or not stream_answers(stream_port):
            fail("castd does not serve on the sockets it was passed")
        if passed.terminate() != 0:
            fail("castd on passed sockets did not exit 0")
    wrong = os.path.join(os.path.dirname(conf), "wrong-port.conf")
    shutil.copy(conf, wrong)
    with open(wrong, "a") as admin:
        admin.write(f"SERVER_PORT={fake_systemd.free_port()}\n")
    output = os.path.join(os.path.dirname(conf), "wrong-port.log")
    with open(output, "wb") as log:
        mismatched = fake_systemd.Service(unit, wrong, state, log, listen=[f"127.0.0.1:{http_port}", f"127.0.0.1:{stream_port}"])
        services.append(mismatched)
        mismatched.start()
        time.sleep(0.3)
        stream_answers(stream_port)
        code = mismatched.process.wait(timeout=30)
    with open(output) as log:
        said = log.read()
    if code != 2 or "make castd.socket's ListenStream= match castd.conf" not in said:
        fail(f"castd passed a socket castd.conf does not name exited {code}: {said}")
    print("socket activation: castd serves on the sockets passed; passed one castd.conf does not name, it exits 2 and says so")


def main():
    fake_systemd.become_systemd()
    tree = sys.argv[1]
    unit = fake_systemd.Unit(tree)
    scratch = tempfile.mkdtemp(prefix="castd-notify-test-")
    http_port, stream_port, source_port = (fake_systemd.free_port() for _ in range(3))
    conf = os.path.join(scratch, "castd.conf")
    shutil.copy(os.path.join(tree, "etc/castd/castd.conf"), conf)
    with open(conf, "a") as admin:
        admin.write(f"SERVER_HOST=127.0.0.1\nSERVER_PORT={http_port}\nSTREAM_HOST=127.0.0.1\nSTREAM_PORT={stream_port}\n"
                    f"CHANNEL_SOURCE_HOST=127.0.0.1\nCHANNEL_SOURCE_PORT={source_port}\n"
                    "CASTD_SOURCE_RECONNECT_MAX_MS=200\nCASTD_USAGE_FLUSH_MS=600000\n")
    state = os.path.join(scratch, "state")
    os.mkdir(state)
    castload = os.path.join(tree, "usr/bin/castload")
    source = subprocess.Popen([castload, "source", "--port", str(source_port), "--channels", "zato01", "--rate", "50"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log_path = os.path.join(scratch, "castd.log")
    services = []
    try:
        with open(log_path, "wb") as log:
            # systemd would pass WatchdogSec=20s as 20000000; a shorter one makes the pings show within the test.
            first = fake_systemd.Service(unit, conf, state, log, {"WATCHDOG_USEC": "1000000"})
            services.append(first)
            first.start()
            ready = first.wait_for("READY=1", 60)
            # Probed the moment READY=1 is in: a listener bound later, or storage not yet open, fails here.
            if not stream_answers(stream_port):
                fail("stream port does not answer at READY=1")
            status, _ = http(http_port, "/register", b"user-1")
            if status != 200:
                fail(f"POST /register answered {status} at READY=1")
            print(f"READY=1 after {ready:.2f} s; HTTP and stream ports answered and storage took a registration at once")

            view = subprocess.run([castload, "view", "--stream", f"127.0.0.1:{stream_port}", "--user", "user-1",
                                   "--channel", "zato01", "--duration", f"{WATCH_SECONDS}s"], capture_output=True, text=True)
            if view.returncode != 0:
                fail(f"castload view exited {view.returncode}: {view.stdout}{view.stderr}")
            first.wait_for("WATCHDOG=1", 2)
            print("WATCHDOG=1 pings arrive (WATCHDOG_USEC=1000000)")

            stopping = time.monotonic()
            code = first.terminate()
            took = time.monotonic() - stopping
            first.wait_for("STOPPING=1", 1)
            if code != 0:
                fail(f"castd exited {code} after SIGTERM")
            print(f"SIGTERM: STOPPING=1, exit 0 after {took:.2f} s (TimeoutStopSec={unit.stop_timeout:g})")

            second = fake_systemd.Service(unit, conf, state, log)
            services.append(second)
            second.start()
            second.wait_for("READY=1", 60)
            _, body = http(http_port, "/usage/user-1")
            watched = json.loads(body).get("sessions", {}).get("zato01", 0)
            if watched < WATCH_SECONDS - 1:
                fail(f"after a restart /usage/user-1 is {body}: the final flush lost the {WATCH_SECONDS} s watched")
            print(f"after a restart GET /usage/user-1 = {body}: written by the flush on SIGTERM")
            if second.terminate() != 0:
                fail("the restarted castd did not exit 0")
        with open(log_path) as lines:
            for line in lines:
                json.loads(line)
        print("every log line castd wrote is one JSON object (Environment=CASTD_LOG_FORMAT=json)")
        socket_activation(unit, conf, state, http_port, stream_port, services)
    except (TimeoutError, RuntimeError, ValueError, OSError) as error:
        with open(log_path, errors="replace") as log:
            sys.stderr.write(log.read()[-4000:])
        fail(str(error))
    finally:
        for service in services:
            service.close()
        source.kill()
        source.wait()
        shutil.rmtree(scratch)


main()
