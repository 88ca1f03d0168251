"""What the benchmark scripts share: where the Release builds are, and a castd process on loopback ports."""
import base64
import collections
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASTLOAD = ["dotnet", os.path.join(ROOT, "src/Castload/bin/Release/net10.0/castload.dll")]
CASTD = ["dotnet", os.path.join(ROOT, "src/Daemon/bin/Release/net10.0/castd.dll")]
# bench/install-gcdump.sh installs it and prints its path; the scripts that induce full GCs pass it on.
GCDUMP = os.environ.get("DOTNET_GCDUMP", "dotnet-gcdump")


def on_cpus(cpus):
    """A command prefix that runs the command on those CPUs only (taskset execs it: the pid stays the command's); none
    when cpus is None."""
    return ["taskset", "-c", ",".join(str(cpu) for cpu in sorted(cpus))] if cpus else []


def log(message):
    print(message, file=sys.stderr, flush=True)


def hs256_token(secret, user, kid="hs1", seconds=3600):
    """A play token for any channel signed with secret (bytes), as a backend's own JWT library would mint it
    (docs/security.md): independent of castd's minter, so a bench cannot pass by sharing castd's mistakes."""
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = b64(json.dumps({"sub": user, "scope": "play", "ch": "*", "exp": int(time.time()) + seconds}).encode())
    signature = b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def hs256_key_file(folder, secret, kid="hs1"):
    """A CASTD_AUTH_KEYS file in folder holding one HS256 key; returns its path."""
    path = os.path.join(folder, "auth-keys")
    with open(path, "w") as file:
        file.write(f"{kid} HS256 {base64.b64encode(secret).decode()}\n")
    return path


class Castd:
    """A castd with its own data directory, listening on loopback; up (healthz answers) on enter, stopped on exit."""

    def __init__(self, http_port, stream_port, source_port, cpus=None, **settings):
        """cpus: the CPUs castd may run on (all when None)."""
        self.http_port, self.cpus = http_port, cpus
        self.data = tempfile.mkdtemp(prefix="castd-bench-")
        self.env = dict(os.environ, SERVER_HOST="127.0.0.1", SERVER_PORT=str(http_port), STREAM_HOST="127.0.0.1",
                        STREAM_PORT=str(stream_port), CHANNEL_SOURCE_HOST="127.0.0.1",
                        CHANNEL_SOURCE_PORT=str(source_port), CASTD_SOURCE_RECONNECT_MAX_MS="100",
                        # Bench crowds connect from 127.0.0.1 faster than one address may; abusers use other addresses.
                        CASTD_VIEWER_CONNECTS_EXEMPT="127.0.0.1",
                        CASTD_DATA_DIR=os.path.join(self.data, "castd"))
        self.env.update({name: str(value) for name, value in settings.items()})

    def output(self):
        """Where castd's stdout and stderr go: nowhere (a subclass may keep them)."""
        return subprocess.DEVNULL, subprocess.DEVNULL

    def __enter__(self):
        self.start()
        return self

    def start(self):
        """Starts castd on its data directory (again, after kill_hard) and returns the seconds until /healthz answered."""
        stdout, stderr = self.output()
        began = time.monotonic()
        self.process = subprocess.Popen(on_cpus(self.cpus) + CASTD, env=self.env, stdout=stdout, stderr=stderr)
        while True:
            try:
                self.health(timeout=1)
                return time.monotonic() - began
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"castd exited with {self.process.returncode} before /healthz answered")
                if time.monotonic() > began + 60:
                    raise RuntimeError("castd did not answer /healthz within 60 s")
                time.sleep(0.02)

    def kill_hard(self):
        """kill -9: no flush, no graceful close; the data directory stays for the next start."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def health(self, timeout=30):
        """/healthz as a dict."""
        return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/healthz", timeout=timeout).read())

    def register(self, user):
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{self.http_port}/register",
                                                      data=user.encode())).read()

    def metrics(self):
        """/metrics as {name: {labels: value}}."""
        series = collections.defaultdict(dict)
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/metrics", timeout=30) as response:
            for line in response.read().decode().splitlines():
                match = line and line[0] != "#" and re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)", line)
                if match:
                    series[match[1]][match[2] or ""] = float(match[3])
        return series

    def heap_after_full_gc(self, path):
        """Induces a full blocking GC in castd (dotnet-gcdump collect does, to walk the heap) and returns the GC heap
        after it from castd's /metrics, RSS, and the dump's bytes per type (a .NET 10 dump may be lossy: types are a
        hint). Unlike RSS or the heap between collections, this does not move with when the GC decides to collect or
        to give memory back."""
        subprocess.run([GCDUMP, "collect", "-p", str(self.process.pid), "-o", path], check=True, capture_output=True, timeout=300)
        heap_mib = metric_total(self.metrics(), "dotnet_gc_last_collection_heap_size_bytes") / 2**20
        report = subprocess.run([GCDUMP, "report", path], check=True, capture_output=True, text=True, timeout=300).stdout
        os.remove(path)
        types = {}
        for row in report.splitlines():
            match = re.match(r"\s*([\d,]+)\s+([\d,]+)\s+(.+?)\s+\[", row)
            if match:
                types[match[3]] = int(match[1].replace(",", ""))
        return dict(heap_mib=round(heap_mib, 2), rss_mib=round(self.rss_kib() / 1024, 2), types=types)

    def rss_kib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

    def cpu_seconds(self):
        """User + system CPU time castd has used so far."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *_):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        subprocess.run(["rm", "-rf", self.data])


class LoggedCastd(Castd):
    """A Castd whose output is appended to a file over all its starts: if castd dies, its last words are the finding."""

    def __init__(self, log_path, *args, **settings):
        super().__init__(*args, **settings)
        self.log_path = log_path

    def output(self):
        self.log_file = open(self.log_path, "a")
        return self.log_file, subprocess.STDOUT


def pyplot():
    """matplotlib's pyplot on a file backend, or None (said on stderr) when matplotlib is missing: no plot then."""
    try:
        import matplotlib
    except ImportError:
        log("matplotlib missing: no plot")
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, title, path):
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(path, dpi=90)


def metric_total(series, name, label=None):
    """The sum of a metric's series, or of those whose labels contain label."""
    return sum(v for k, v in series.get(name, {}).items() if label is None or label in k)
