"""Start the simulator and the service as real processes on 127.0.0.1, and stop them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "e2e-token-0123456789abcdef"
SIM_ENV = {"SIM_API_KEY": "e2e-key", "SIM_SECRET_KEY": "e2e-secret-value", "SIM_PASSPHRASE": "e2e-pass"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except (requests.ConnectionError, requests.Timeout):  # a server still loading may hold the request
            time.sleep(0.05)
    raise AssertionError(f"{url} did not answer within {timeout}s")


class Process:
    """A child process with its output captured to a file (read it after a failure)."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("ab")
        full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        for name in ("BITGET_API_KEY", "BITGET_SECRET_KEY", "BITGET_PASSPHRASE", "BITGET_MODE"):
            if name not in env:
                full_env.pop(name, None)
        self.proc = subprocess.Popen(args, cwd=ROOT, env=full_env, stdout=self._log, stderr=subprocess.STDOUT)

    def signal(self, signum: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signum)

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_sim(tmp: Path, port: int, *, account_mode: str = "classic") -> Process:
    env = {**SIM_ENV, "SIM_ACCOUNT_MODE": account_mode}
    # --ws-port 0: the streams on any free port, so simulators started side by side never collide
    args = [sys.executable, "-m", "bitget.sim", "--host", "127.0.0.1", "--port", str(port), "--ws-port", "0"]
    process = Process(args, env, tmp / f"sim-{port}.log")
    wait_http(f"http://127.0.0.1:{port}/api/v2/public/time")
    return process


def service_env(tmp: Path, port: int, sim_url: str, **extra: str) -> dict[str, str]:
    """The service's environment for a test: the simulator's keys, a test token, a short order timeout."""
    return {
        "BITGET_BASE_URL": sim_url,
        "BITGET_API_KEY": SIM_ENV["SIM_API_KEY"],
        "BITGET_SECRET_KEY": SIM_ENV["SIM_SECRET_KEY"],
        "BITGET_PASSPHRASE": SIM_ENV["SIM_PASSPHRASE"],
        "WEBHOOK_EXPECTED_TOKEN": TOKEN,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATA_DIR": str(tmp / "data"),
        "ORDER_TIMEOUT": "1",
        "POLL_INTERVAL": "0.05",
        **extra,
    }


def start_serving(args: list[str], env: dict[str, str], log: Path, port: int) -> Process:
    """A server process started with ``args``, once its /healthz answers (stopped if it never does)."""
    process = Process(args, env, log)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
    except BaseException:
        process.stop()
        raise
    return process


def start_service(tmp: Path, port: int, sim_port: int, **extra: str) -> Process:
    env = service_env(tmp, port, f"http://127.0.0.1:{sim_port}", **extra)
    return start_serving([sys.executable, "app.py"], env, tmp / f"service-{port}.log", port)
