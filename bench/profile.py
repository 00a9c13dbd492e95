"""Where one typical request's time goes: pyinstrument over N in-process requests.

    .venv/bin/python bench/profile.py [-n 300] [--request typical]

Builds the app with ``create_app`` (CDS_AUTH=off, a temp SQLite database), runs its lifespan,
sends the request ``n`` times through ``httpx.ASGITransport`` (no sockets, so the profile shows
the service's own work: parsing, validation, mapping, triage, cards, logging, storage) and writes
the text profile to ``bench/results/profile-<request>-<time>.txt``. Profile first, then fix what
dominates.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pyinstrument import Profiler

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder is sys.path[0], where it would shadow the stdlib `profile`
# module (cProfile imports it): put the repo root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from bench.make_requests import build_requests  # noqa: E402

RESULTS = ROOT / "bench" / "results"


async def _drive(
    service_id: str, body: bytes, n: int, profiler: Profiler | None
) -> tuple[float, int]:
    from cds.app import create_app
    from cds.settings import Settings

    with tempfile.TemporaryDirectory(prefix="cds-profile-") as tmp:
        settings = Settings(auth="off", database_url=f"sqlite:///{tmp}/profile.sqlite3")
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                url = f"/cds-services/{service_id}"
                headers = {"content-type": "application/json"}
                for _ in range(10):  # warm caches (code lists, models) outside the profile
                    first = await client.post(url, content=body, headers=headers)
                if first.status_code != 200:
                    raise SystemExit(f"HTTP {first.status_code}: {first.text[:500]}")
                if profiler is not None:
                    profiler.start()
                started = time.perf_counter()
                for _ in range(n):
                    await client.post(url, content=body, headers=headers)
                elapsed = time.perf_counter() - started
                if profiler is not None:
                    profiler.stop()
    return elapsed, len(first.json().get("cards", []))


def main() -> int:
    parser = argparse.ArgumentParser(description="profile the service in-process")
    parser.add_argument("-n", type=int, default=300, help="requests to profile")
    parser.add_argument("--request", default="typical", choices=["typical", "large", "order-sign"])
    parser.add_argument("--interval", type=float, default=0.0005, help="sampling interval, s")
    parser.add_argument(
        "--plain", action="store_true", help="no profiler: only the time per request"
    )
    args = parser.parse_args()
    os.environ.setdefault("CDS_LOG_LEVEL", "WARNING")
    now = datetime.now(UTC).replace(microsecond=0)
    service_id, body = build_requests(now)[args.request]
    profiler = None if args.plain else Profiler(interval=args.interval, async_mode="enabled")
    elapsed, cards = asyncio.run(_drive(service_id, body, args.n, profiler))
    if profiler is None:
        print(f"{args.n} x {args.request}: {1000 * elapsed / args.n:.2f} ms per request")
        return 0
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    header = (
        f"# profile of {args.n} x {args.request} ({len(body):,} bytes, {cards} cards) in-process: "
        f"{elapsed:.2f} s, {1000 * elapsed / args.n:.2f} ms per request\n"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"profile-{args.request}-{now.strftime('%Y%m%d-%H%M%S')}.txt"
    out.write_text(header + text)
    print(header + text)
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
