"""Real ``cds-triage serve`` processes on free loopback ports, for scale-out tests.

Each server runs in its own process group so stopping it also stops uvicorn's workers; a server
that does not become healthy in time is stopped and its log shown. Loopback only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

CLI = Path(sys.executable).parent / "cds-triage"
START_TIMEOUT = 60.0


@dataclass
class LiveServer:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass


def _wait_healthy(server: LiveServer, workers: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    healthy = 0
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                break
            try:
                if client.get(f"{server.base}/health").status_code == 200:
                    healthy += 1
                    # one answer per worker (new connection each time, the kernel spreads them)
                    if healthy >= workers:
                        return
                    continue
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    log = server.log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"cds-triage serve did not become healthy:\n{log}")


def start(env: dict[str, str], tmp: Path, *, workers: int, name: str) -> LiveServer:
    """Launch ``cds-triage serve --workers N`` with ``env`` added to this process's environment."""
    port = free_port()
    log = tmp / f"{name}-{port}.log"
    full_env = {**os.environ, "CDS_LOG_LEVEL": "WARNING", **env}
    cmd = [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*cmd, "--workers", str(workers)],
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return LiveServer(f"http://127.0.0.1:{port}", process, log)


@contextmanager
def serve_many(
    env: dict[str, str], tmp: Path, workers: list[int], name: str = "server"
) -> Iterator[list[LiveServer]]:
    """Replicas sharing ``env`` (so one database), started together: the way a deployment
    rolls them out, and half the wall time of starting them one by one."""
    servers: list[LiveServer] = []
    try:
        for i, n in enumerate(workers):
            servers.append(start(env, tmp, workers=n, name=f"{name}-{i}"))
        for server, n in zip(servers, workers, strict=True):
            _wait_healthy(server, n)
        yield servers
    finally:
        for server in servers:
            _stop(server.process)
