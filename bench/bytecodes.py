"""Python bytecodes one typical request executes, in total and per function.

    .venv/bin/python bench/bytecodes.py [-n 10] [--request typical] [--top 40]

A deterministic measure of the interpreter's work, for changes too small to see in wall-clock
timings on a machine whose speed drifts: builds the app (CDS_AUTH=off, a temp SQLite database,
a fixed clock), warms it up, then counts ``sys.settrace`` opcode events over ``n`` requests sent
straight to the ASGI app (no sockets). Not time: a C call and a local load are one bytecode each,
and the interpreter is ~3/4 of a call's cycles, so judge a change with ``make bench`` too.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import sys
import tempfile
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.make_requests import build_requests  # noqa: E402

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
_SITE = str(ROOT / ".venv" / "lib")
Key = tuple[str, str]


def _name(path: str) -> str:
    if path.startswith(_SITE):
        return path.split("site-packages/", 1)[-1]
    return path.removeprefix(str(ROOT) + "/")


def _counter(counts: collections.Counter[Key]) -> Callable[[FrameType, str, Any], Any]:
    def trace(frame: FrameType, event: str, _arg: Any) -> Any:
        frame.f_trace_opcodes = True
        if event == "opcode":
            code = frame.f_code
            counts[(code.co_filename, code.co_name)] += 1
        return trace

    return trace


async def count(request: str, n: int) -> collections.Counter[Key]:
    os.environ.setdefault("CDS_LOG_LEVEL", "WARNING")
    from cds.app import create_app
    from cds.settings import Settings

    service_id, body = build_requests(NOW)[request]
    path = f"/cds-services/{service_id}"
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "root_path": "",
    }
    counts: collections.Counter[Key] = collections.Counter()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(auth="off", database_url=f"sqlite:///{tmp}/bench.sqlite3")
        app = create_app(settings, clock=lambda: NOW)

        async def once() -> None:
            sent = False

            async def receive() -> dict[str, Any]:
                nonlocal sent
                if sent:
                    return {"type": "http.disconnect"}
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(_message: MutableMapping[str, Any]) -> None:
                return None

            await app(dict(scope, state={}), receive, send)

        async with app.router.lifespan_context(app):
            for _ in range(20):
                await once()
            sys.settrace(_counter(counts))
            try:
                for _ in range(n):
                    await once()
            finally:
                sys.settrace(None)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", type=int, default=10, help="requests counted")
    parser.add_argument("--request", default="typical", help="typical | large | order-sign")
    parser.add_argument("--top", type=int, default=40, help="functions listed")
    args = parser.parse_args()
    counts = asyncio.run(count(args.request, args.n))
    total = sum(counts.values())
    print(f"{total // args.n} bytecodes a {args.request} request ({args.n} counted)")
    modules: collections.Counter[str] = collections.Counter()
    for (path, _), value in counts.items():
        modules[_name(path)] += value
    print("\nby module:")
    for module, value in modules.most_common(15):
        print(f"{value / total:6.1%} {value // args.n:7d}  {module}")
    print("\nby function:")
    for (path, function), value in counts.most_common(args.top):
        print(f"{value / total:6.1%} {value // args.n:7d}  {_name(path)}:{function}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
