"""Slow and impatient clients against a real uvicorn on 127.0.0.1 (``cds.server``'s configuration).

The server runs in a thread of this process with short timeouts; clients are raw sockets (to
send exactly the bytes a slow client sends) and Python's urllib (which writes a whole body before
reading anything). Every wait is bounded; loopback only.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from cds.app import create_app
from cds.cli import cli
from cds.server import server_config
from cds.settings import Settings
from tests.conftest import FIXED_NOW, make_settings
from tests.service.builders import PV

TIMEOUT = 0.5
LIMIT = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live(settings: Settings) -> Iterator[int]:
    """The app under ``cds.server``'s uvicorn configuration; yields the port."""
    port = free_port()
    app = create_app(settings, clock=lambda: FIXED_NOW)
    server = uvicorn.Server(server_config(settings, app, host="127.0.0.1", port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "server did not start"
            assert thread.is_alive(), "server stopped"
            time.sleep(0.05)
        yield port
    finally:
        server.should_exit = True
        thread.join(15)


def slow_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "header_timeout_seconds": TIMEOUT,
        "body_timeout_seconds": TIMEOUT,
        "keep_alive_seconds": 1,
        "max_body_bytes": LIMIT,
    }
    return make_settings(tmp_path, **{**values, **overrides})


@pytest.fixture
def port(tmp_path: Path) -> Iterator[int]:
    with live(slow_settings(tmp_path)) as p:
        yield p


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.settimeout(5)
    return sock


def closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed ``sock`` (read everything it sends until then)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - started
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - started
        except TimeoutError:
            break
    raise AssertionError(f"connection still open after {seconds} s")


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        assert chunk
        body += chunk
    return int(status_line.split()[1]), headers, body


def test_a_connection_that_sends_nothing_is_closed(port: int) -> None:
    with connect(port) as sock:
        assert closed_within(sock, TIMEOUT + 2.5) >= TIMEOUT * 0.8


def test_a_request_head_sent_a_byte_at_a_time_is_cut_off(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: ")
        started = time.monotonic()
        cut_after = None
        for _ in range(40):  # 4 s of drip, unless the server cuts it off
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                cut_after = time.monotonic() - started
                break
            time.sleep(0.1)
    assert cut_after is not None, "the drip was never cut off"
    assert cut_after < TIMEOUT + 2.0


def test_a_body_shorter_than_its_content_length_is_408(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(
            f"POST {PV} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            'Content-Length: 100\r\n\r\n{"hook": '.encode()
        )
        started = time.monotonic()
        status, headers, body = read_response(sock)
        assert time.monotonic() - started < TIMEOUT + 2.0
        assert status == 408
        assert headers["content-type"] == "application/fhir+json"
        issue = json.loads(body)["issue"][0]
        assert (issue["code"], "CDS_BODY_TIMEOUT_SECONDS" in issue["diagnostics"]) == (
            "timeout",
            True,
        )
        closed_within(sock, 3)


def test_an_idle_keep_alive_connection_is_closed_after_the_setting(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert read_response(sock)[0] == 200
        assert 0.5 <= closed_within(sock, 4) <= 3  # keep_alive_seconds=1


def urllib_post(port: int, size: int) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{PV}",
        data=b"x" * size,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize("size", [LIMIT + 1, LIMIT + LIMIT // 2, 2 * LIMIT])
def test_a_client_writing_its_whole_body_before_reading_gets_the_413(port: int, size: int) -> None:
    for _ in range(3):  # a reset is a race with the kernel's buffers: try more than once
        status, body = urllib_post(port, size)
        assert status == 413
        assert body["resourceType"] == "OperationOutcome"
        assert "CDS_MAX_BODY_BYTES" in body["issue"][0]["diagnostics"]


def test_a_much_bigger_body_is_cut_off_not_read(port: int) -> None:
    """Past twice the limit nothing more is read: the client may see the 413 or a reset."""
    with connect(port) as sock:
        sock.sendall(
            f"POST {PV} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {50 * LIMIT}\r\n\r\n".encode()
        )
        status, _, _ = read_response(sock)
        assert status == 413


def test_an_oversize_body_announced_with_expect_100_continue_is_refused_unsent(
    port: int,
) -> None:
    with connect(port) as sock:
        sock.sendall(
            f"POST {PV} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {LIMIT + 10}\r\nExpect: 100-continue\r\n\r\n".encode()
        )
        status, _, _ = read_response(sock)
        assert status == 413  # not "100 Continue": no byte of the body was asked for


@pytest.mark.parametrize(("proxies", "hsts"), [([], False), (["127.0.0.1"], True)])
def test_forwarded_headers_count_only_from_configured_proxies(
    tmp_path: Path, proxies: list[str], hsts: bool
) -> None:
    """``X-Forwarded-Proto: https`` from 127.0.0.1 makes the scheme https (and so HSTS) only when
    127.0.0.1 is a configured proxy; uvicorn alone trusts it by default."""
    with live(slow_settings(tmp_path, forwarded_allow_ips=proxies)) as port, connect(port) as sock:
        sock.sendall(
            b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
            b"X-Forwarded-For: 203.0.113.9\r\n\r\n"
        )
        status, headers, _ = read_response(sock)
    assert status == 200
    assert ("strict-transport-security" in headers) is hsts


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "CDS_AUTH=on needs CDS_PUBLIC_URL"),
        (
            {
                "CDS_PUBLIC_URL": "https://cds.example.org",
                "CDS_TRUSTED_CLIENTS": '[{"iss": "https://ehr.example", "jwks": {"keys": []}, '
                '"jwks_url": "https://ehr.example/jwks"}]',
            },
            "not both",
        ),
    ],
)
def test_serve_refuses_to_start_with_settings_no_worker_could_use(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    env = {"CDS_AUTH": "on", "CDS_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **env}
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        result = CliRunner().invoke(cli, ["serve", "--port", str(free_port())], env=env)
    finally:  # serve installs its log handler on CliRunner's stream: take it away again
        root.handlers[:], root.level = handlers, level
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "db.sqlite3").exists()  # refused before anything was done
