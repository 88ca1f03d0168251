"""Runs castd the way castd.service does, without systemd: the unit's ExecStart, Environment= and EnvironmentFile=,
a STATE_DIRECTORY, and a datagram NOTIFY_SOCKET that collects what castd reports (READY=1, STOPPING=1, ...).

Microsoft.Extensions.Hosting.Systemd notifies only when its parent process is named "systemd", so the process that
imports this module renames itself with prctl(PR_SET_NAME) and must be castd's parent."""
import ctypes
import os
import signal
import socket
import subprocess
import tempfile
import time

PR_SET_NAME = 15


def become_systemd():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NAME, b"systemd", 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NAME)")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_env_file(path):
    """KEY=value lines; blank lines and # comments skipped (the subset of systemd's syntax castd.conf uses)."""
    env = {}
    with open(path) as lines:
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                env[key.strip()] = value.strip()
    return env


class Unit:
    """The [Service] lines of castd.service that decide how castd is started and stopped, with paths under root."""

    def __init__(self, root, path="lib/systemd/system/castd.service"):
        self.root = root
        self.exec_start = None
        self.environment = {}
        self.environment_files = []
        self.stop_timeout = 90.0
        with open(os.path.join(root, path)) as unit:
            for line in unit:
                key, _, value = line.strip().partition("=")
                if key == "ExecStart":
                    self.exec_start = value.split()
                elif key == "Environment":
                    name, _, setting = value.partition("=")
                    self.environment[name] = setting
                elif key == "EnvironmentFile":
                    self.environment_files.append(value)
                elif key == "TimeoutStopSec":
                    self.stop_timeout = float(value.rstrip("s"))
        if not self.exec_start:
            raise ValueError(f"{path}: no ExecStart")

    def under_root(self, path):
        return os.path.join(self.root, path.lstrip("/"))


class Service:
    """One castd process started as the unit starts it; conf_file stands in for /etc/castd/castd.conf, extra is what
    systemd itself would add to the environment (WATCHDOG_USEC, say). With listen (addresses such as 127.0.0.1:8080),
    systemd-socket-activate holds those listening sockets, as castd.socket would, and on the first connection execs
    castd in its own place (so this process stays castd's parent), passing them (LISTEN_FDS, LISTEN_PID)."""

    def __init__(self, unit, conf_file, state_dir, output, extra=None, listen=()):
        self.unit = unit
        self.extra = extra or {}
        self.listen = listen
        self.conf_file = conf_file
        self.state_dir = state_dir
        self.output = output
        self.messages = []
        self.process = None
        self.notify = None

    def start(self):
        self.socket_dir = tempfile.mkdtemp(prefix="castd-notify-")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(os.path.join(self.socket_dir, "notify"))
        env = {"PATH": "/usr/bin:/bin", "NOTIFY_SOCKET": self.notify.getsockname(), "STATE_DIRECTORY": self.state_dir}
        env.update(self.unit.environment)
        for path in self.unit.environment_files:
            optional = path.startswith("-")
            path = path.lstrip("-")
            conf = self.conf_file if path == "/etc/castd/castd.conf" else self.unit.under_root(path)
            if os.path.exists(conf) or not optional:
                env.update(read_env_file(conf))
        env.update(self.extra)
        self.started = time.monotonic()
        command = [self.unit.under_root(self.unit.exec_start[0])] + self.unit.exec_start[1:]
        if self.listen:
            # systemd-socket-activate hands its child only the variables named with -E.
            command = (["systemd-socket-activate"] + [f"--listen={address}" for address in self.listen]
                       + [f"--setenv={name}" for name in env] + command)
        self.process = subprocess.Popen(command, env=env, stdout=self.output, stderr=subprocess.STDOUT)

    def wait_for(self, message, timeout):
        """Seconds from start until castd sent message; raises if it did not within timeout or castd exited."""
        deadline = time.monotonic() + timeout
        while message not in self.messages:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {message} within {timeout} s; got {self.messages}")
            self.notify.settimeout(min(left, 0.2))
            try:
                datagram = self.notify.recv(4096)
            except socket.timeout:
                if self.process.poll() is not None and message not in self.messages:
                    raise RuntimeError(f"castd exited with {self.process.returncode} before {message}")
                continue
            self.messages.extend(datagram.decode().split("\n"))
        return time.monotonic() - self.started

    def terminate(self):
        """SIGTERM, as systemctl stop sends (KillSignal=SIGTERM). Returns the exit code; kills after TimeoutStopSec."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=self.unit.stop_timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def close(self):
        """Kills castd if it still runs and removes the socket; safe to call twice."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.notify is None:
            return
        path = self.notify.getsockname()
        self.notify.close()
        os.unlink(path)
        os.rmdir(self.socket_dir)
        self.notify = None
