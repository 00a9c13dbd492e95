"""Starting, watching and stopping the benchmark's server processes (loopback only).

Each server runs in its own session (process group) so that stopping it also stops uvicorn's
worker processes; nothing is left running after the benchmark. Memory is read from
``/proc/<pid>/status`` (VmRSS now, VmHWM peak) for the server and all its descendants.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def start_server(
    name: str, cmd: list[str], port: int, env: dict[str, str], logdir: Path, cwd: Path
) -> Server:
    log = logdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Server(name, process, port, log)
    try:
        wait_listening(port, process)
    except RuntimeError as exc:
        stop_server(server)
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{name} did not start: {tail}") from exc
    time.sleep(1.0)  # with --workers N the socket listens before the workers are ready
    return server


def stop_server(server: Server, timeout: float = 10.0) -> None:
    """SIGTERM the server's process group, SIGKILL it if it lingers."""
    if server.process.poll() is not None:
        return
    try:
        os.killpg(server.process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        server.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=timeout)


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            kids.append(int(entry.name))
    return kids


def _status(pid: int) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            out[key] = value.strip()
    except OSError:
        pass
    return out


def memory_of_tree(pid: int) -> str:
    """``name pid: RSS / peak`` for the process and its descendants, in MiB."""
    todo, parts = [pid], []
    while todo:
        current = todo.pop(0)
        status = _status(current)
        if status:
            rss = int(status.get("VmRSS", "0 kB").split()[0]) / 1024
            hwm = int(status.get("VmHWM", "0 kB").split()[0]) / 1024
            parts.append(f"pid {current} {rss:.0f}/{hwm:.0f} MiB")
        todo.extend(_children(current))
    return ", ".join(parts)
