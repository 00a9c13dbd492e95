"""A misbehaving FHIR server on 127.0.0.1, for fault tests over real sockets.

respx replaces httpx's transport, so it cannot show what happens with a real TCP connection: a
peer that accepts and never answers, bytes that trickle in, a connection cut mid-body. This
server speaks just enough HTTP/1.1 (one request per connection, ``Connection: close``) and runs
its own event loop in a daemon thread. ``mode`` says how to behave; every wait is bounded
(``MAX_STALL``) so nothing outlives the test, and ``stop()`` closes it.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

import orjson

MAX_STALL = 10.0  # seconds: the longest any handler waits, whatever the mode


@dataclass
class Behaviour:
    """How the server answers ``/fhir/Observation`` searches; other queries answer normally."""

    mode: str = "ok"
    status: int = 200
    body: bytes = b""
    resources: dict[str, Any] = field(default_factory=dict)  # read path -> resource
    searches: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # type -> resources


def searchset(resources: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"resource": r} for r in resources],
    }
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


class LocalFhirServer:
    def __init__(self) -> None:
        self.behaviour = Behaviour()
        self.requests: list[str] = []
        self.authorizations: list[str | None] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-fhir", daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/fhir"

    def start(self) -> LocalFhirServer:
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError("local FHIR server did not start")
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._loop.is_closed() and not self._loop.is_running():
            self._loop.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def boot() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]

        self._loop.run_until_complete(boot())
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), MAX_STALL)
            lines = head.decode("latin-1").split("\r\n")
            target = lines[0].split(" ")[1]
            auth = next(
                (
                    ln.split(":", 1)[1].strip()
                    for ln in lines
                    if ln.lower().startswith("authorization:")
                ),
                None,
            )
            self.requests.append(target)
            self.authorizations.append(auth)
            await self._answer(target, writer)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _answer(self, target: str, writer: asyncio.StreamWriter) -> None:
        path = target.split("?", 1)[0].removeprefix("/fhir/")
        b = self.behaviour
        if path.startswith("page/") or path == "Observation":
            await self._fault(path, writer)
            return
        if path in b.resources:
            await self._send(writer, 200, orjson.dumps(b.resources[path]))
        elif "/" not in path:
            await self._send(writer, 200, orjson.dumps(searchset(b.searches.get(path, []))))
        else:
            await self._send(writer, 404, b'{"resourceType":"OperationOutcome","issue":[]}')

    async def _fault(self, path: str, writer: asyncio.StreamWriter) -> None:
        b = self.behaviour
        if b.mode == "ok":
            await self._send(writer, 200, orjson.dumps(searchset(b.searches.get(path, []))))
        elif b.mode == "status":
            await self._send(writer, b.status, b.body)
        elif b.mode == "raw":
            await self._send(writer, 200, b.body)
        elif b.mode == "hang":  # accept, read the request, never answer
            await asyncio.sleep(MAX_STALL)
        elif b.mode == "drip":  # headers at once, then one byte every 0.2 s
            body = orjson.dumps(searchset([]))
            writer.write(_headers(200, len(body)))
            for byte in body:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.2)
        elif b.mode == "cut":  # promise a long body, send half of it, close
            writer.write(_headers(200, 10_000) + b'{"resourceType":"Bundle","entry":[')
            await writer.drain()
        elif b.mode == "endless-next":
            n = int(path.split("/")[1]) + 1 if path.startswith("page/") else 1
            page = searchset([], next_url=f"{self.base}/page/{n}")
            await self._send(writer, 200, orjson.dumps(page))
        else:
            raise ValueError(b.mode)

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, status: int, body: bytes) -> None:
        writer.write(_headers(status, len(body)) + body)
        await writer.drain()


def _headers(status: int, length: int) -> bytes:
    return (
        f"HTTP/1.1 {status} X\r\nContent-Type: application/fhir+json\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()
