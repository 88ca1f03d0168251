"""Prints castd's start-up time in seconds: spawn to READY=1 under fake_systemd, median of 5 runs, each with a fresh
state directory (RocksDB created anew, as on a first start). Usage: startup.py PACKAGE_TREE"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import fake_systemd

RUNS = 5


def once(unit, tree):
    scratch = tempfile.mkdtemp(prefix="castd-startup-")
    conf = os.path.join(scratch, "castd.conf")
    shutil.copy(os.path.join(tree, "etc/castd/castd.conf"), conf)
    with open(conf, "a") as admin:
        admin.write(f"SERVER_HOST=127.0.0.1\nSERVER_PORT={fake_systemd.free_port()}\n"
                    f"STREAM_HOST=127.0.0.1\nSTREAM_PORT={fake_systemd.free_port()}\n")
    os.mkdir(os.path.join(scratch, "state"))
    service = fake_systemd.Service(unit, conf, os.path.join(scratch, "state"), subprocess.DEVNULL)
    try:
        service.start()
        return service.wait_for("READY=1", 60)
    finally:
        service.terminate()
        service.close()
        shutil.rmtree(scratch)


def main():
    fake_systemd.become_systemd()
    tree = sys.argv[1]
    unit = fake_systemd.Unit(tree)
    print(f"{statistics.median(once(unit, tree) for _ in range(RUNS)):.2f}")


main()
