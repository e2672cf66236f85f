"""The production server as the image and README start it, and the slow clients that attack it.

Shared by tests/e2e/test_slow_clients.py and bench/slow_clients.py: the Dockerfile's CMD and
HEALTHCHECK and README's "Without Docker" command, made runnable here (this interpreter, 127.0.0.1
on a free port instead of 0.0.0.0:8080), and connections that send half a request header and wait.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shlex
import socket
import sys
from pathlib import Path

from tests.support.processes import ROOT, Process, service_env, start_serving

HALF_HEADER = (
    b"POST /api/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Webhook-Token: "
)
LISTEN_PLACEHOLDER = "0.0.0.0:8080"


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text().replace("\\\n", " ")


def dockerfile_instruction(name: str) -> list[str]:
    """The exec-form (JSON) command of the Dockerfile's CMD or HEALTHCHECK instruction."""
    for line in dockerfile().splitlines():
        words = line.strip().split(None, 1)
        if words and words[0] == name:
            command = words[1].split(" CMD ", 1)[-1] if name == "HEALTHCHECK" else words[1]
            return json.loads(command)
    raise AssertionError(f"the Dockerfile has no {name} instruction")


def readme_command() -> list[str]:
    """The command README's "Running in production" section gives for running without Docker."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"Without Docker: `([^`]+)`", section)
    assert found, "README's production section names no command for running without Docker"
    return shlex.split(found[1])


def runnable(command: list[str], port: int) -> list[str]:
    """The command for this machine: this interpreter and its scripts, 127.0.0.1 on a free port."""
    program = command[0]
    if program in ("python", "python3"):
        program = sys.executable
    elif os.sep not in program:
        program = str(Path(sys.executable).with_name(program))
    return [program] + [arg.replace(LISTEN_PLACEHOLDER, f"127.0.0.1:{port}") for arg in command[1:]]


def commands() -> list[tuple[str, list[str]]]:
    """Each distinct production command once, named by where it is documented."""
    named: dict[tuple[str, ...], list[str]] = {}
    for where, command in (("image CMD", dockerfile_instruction("CMD")), ("README", readme_command())):
        named.setdefault(tuple(command), []).append(where)
    return [(" = ".join(where), list(command)) for command, where in named.items()]


def start_production(command: list[str], tmp: Path, port: int, sim_url: str, **extra: str) -> Process:
    """The service started with ``command`` (as documented) against the simulator; /healthz answers."""
    env = service_env(tmp, port, sim_url, DEDUP_WINDOW="0", **extra)
    return start_serving(runnable(command, port), env, tmp / f"service-{port}.log", port)


def raise_open_files_limit(wanted: int = 4096) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def half_sent_headers(port: int, count: int) -> list[socket.socket]:
    """``count`` connections that each send half a request header and then wait."""
    held = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(HALF_HEADER)
            held.append(sock)
    except BaseException:
        close_all(held)
        raise
    return held


def close_all(socks: list[socket.socket]) -> None:
    for sock in socks:
        sock.close()


def sockets_held(pid: int) -> int:
    """Sockets open in a process and its children (gunicorn's worker is a child of its master)."""
    pids, count = [pid], 0
    while pids:
        current = pids.pop()
        count += sum(_is_socket(fd) for fd in Path(f"/proc/{current}/fd").glob("*"))
        children = Path(f"/proc/{current}/task/{current}/children")
        pids.extend(int(child) for child in (children.read_text().split() if children.exists() else ()))
    return count


def _is_socket(fd: Path) -> bool:
    try:
        return os.readlink(fd).startswith("socket:")
    except OSError:  # closed meanwhile
        return False
