"""Load benchmark: our service against two baselines, in one run, on 127.0.0.1 only.

    .venv/bin/python bench/run.py [--workers 1] [--duration 10] [--concurrency 1,16,64]

Starts, one after the other and each with the same uvicorn worker count,
(1) ``constant``: a bare FastAPI app returning constant cards,
(2) ``walk``: a FastAPI app that parses the body with orjson and walks it collecting codes,
(3) ``service``: ``cds-triage serve`` (CDS_AUTH=off, a temp SQLite database, the mock FHIR server
    allow-listed), plus ``bench/mock_fhir.py`` for the no-prefetch (fallback) request,
and loads each with ``wrk`` (installed with apt-get if missing) for ``--duration`` seconds per
(request file, concurrency). Prints requests/s, p50, p99, the ratios service / baseline, checks
the performance targets, reports RSS per worker before and after the load, and writes a markdown
summary to ``bench/results/`` (git-ignored). Every wrk run is bounded in time; every process it
starts is stopped by process group at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.make_requests import MOCK_BASE_PLACEHOLDER, build_requests  # noqa: E402
from bench.procs import (  # noqa: E402
    Server,
    free_port,
    memory_of_tree,
    start_server,
    stop_server,
)
from bench.targets import Result, check_targets  # noqa: E402

RESULTS = ROOT / "bench" / "results"
VENV_BIN = Path(sys.executable).parent

LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("{body}", "rb"))
wrk.body = f:read("*a")
f:close()

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {{"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,' ..
    '"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    latency.max))
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is not installed and we are not root: apt-get install wrk")
    print("installing wrk (apt-get)...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, timeout=600)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk still not found after apt-get install")
    return found


def run_wrk(
    wrk: str, url: str, lua: Path, concurrency: int, duration: int, app: str, request: str
) -> Result:
    threads = min(2, concurrency)
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(lua),
        url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {out.stdout[-500:]} {out.stderr[-500:]}")
    data = orjson.loads(line.removeprefix("BENCH_JSON "))
    seconds = data["duration_us"] / 1e6
    return Result(
        app=app,
        request=request,
        concurrency=concurrency,
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        errors=data["status_errors"] + data["socket_errors"] + data["timeouts"],
    )


def warm_up(base: str, service_id: str, body: bytes, n: int = 20) -> tuple[int, str]:
    """Send ``n`` requests; return the last status and a short description of the answer."""
    status, note = 0, ""
    with httpx.Client(timeout=30) as client:
        for _ in range(n):
            r = client.post(
                f"{base}/cds-services/{service_id}",
                content=body,
                headers={"content-type": "application/json"},
            )
            status = r.status_code
            if status != 200:
                return status, r.text[:300]
        try:
            cards = r.json().get("cards", [])
            note = f"{len(cards)} cards: " + "; ".join(c.get("summary", "")[:60] for c in cards)
        except ValueError:
            note = "non-JSON answer"
    return status, note


def service_command(port: int, workers: int) -> list[str]:
    cli = VENV_BIN / "cds-triage"
    if cli.exists():
        return [
            str(cli),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
    return uvicorn_command("bench.service_factory:create", port, workers)


def uvicorn_command(factory: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


@dataclass
class Plan:
    app: str
    requests: list[str]


def main() -> int:
    parser = argparse.ArgumentParser(description="CDS service load benchmark")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--concurrency", default="1,16,64")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="mock FHIR per-query delay")
    parser.add_argument("--apps", default="constant,walk,service")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="paired walk/service rounds for target 1 (typical, c=16); 0 to skip",
    )
    parser.add_argument("--round-duration", type=int, default=5, help="seconds per paired run")
    args = parser.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]
    apps = args.apps.split(",")
    wrk = ensure_wrk()
    load_before = os.getloadavg()
    now = datetime.now(UTC).replace(microsecond=0)
    bodies = build_requests(now)
    results: list[Result] = []
    paired: list[tuple[Result, Result]] = []
    notes: list[str] = []
    memory: dict[str, tuple[str, str]] = {}

    with tempfile.TemporaryDirectory(prefix="cds-bench-") as tmp_name:
        tmp = Path(tmp_name)
        mock_port = free_port()
        mock_base = f"http://127.0.0.1:{mock_port}/fhir"
        luas: dict[str, tuple[str, Path]] = {}
        for name, (service_id, body) in bodies.items():
            body = body.replace(MOCK_BASE_PLACEHOLDER.encode(), mock_base.encode())
            bodies[name] = (service_id, body)
            body_file = tmp / f"{name}.json"
            body_file.write_bytes(body)
            lua = tmp / f"{name}.lua"
            lua.write_text(LUA.format(body=body_file))
            luas[name] = (service_id, lua)
        sizes = ", ".join(f"{n} {len(b):,} B" for n, (_, b) in bodies.items())
        print(f"request files: {sizes}")

        plans = {
            "constant": Plan("constant", ["typical"]),
            "walk": Plan("walk", ["typical", "large"]),
            "service": Plan("service", ["typical", "large", "order-sign", "fallback"]),
        }
        for app in apps:
            plan = plans[app]
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            env = {**os.environ}
            servers: list[Server] = []
            try:
                if app == "service":
                    env.update(service_env(tmp / "bench.sqlite3", mock_base))
                    mock_env = {
                        **os.environ,
                        "BENCH_NOW": now.isoformat(),
                        "BENCH_MOCK_DELAY_MS": str(args.delay_ms),
                    }
                    servers.append(
                        start_server(
                            "mock",
                            uvicorn_command("bench.mock_fhir:app_factory", mock_port, 1),
                            mock_port,
                            mock_env,
                            tmp,
                            ROOT,
                        )
                    )
                    cmd = service_command(port, args.workers)
                else:
                    cmd = uvicorn_command(f"bench.baselines:{app}_app", port, args.workers)
                server = start_server(app, cmd, port, env, tmp, ROOT)
                servers.append(server)
                for request in plan.requests:
                    service_id, _ = luas[request]
                    status, note = warm_up(base, service_id, bodies[request][1])
                    notes.append(f"{app}/{request}: warm-up HTTP {status}; {note}")
                    print(notes[-1], flush=True)
                before = memory_of_tree(server.process.pid)
                for request in plan.requests:
                    service_id, lua = luas[request]
                    for c in levels:
                        res = run_wrk(
                            wrk,
                            f"{base}/cds-services/{service_id}",
                            lua,
                            c,
                            args.duration,
                            app,
                            request,
                        )
                        results.append(res)
                        print(
                            f"{app:8} {request:10} c={c:<3} {res.rps:9.1f} req/s  "
                            f"p50 {res.p50_ms:8.2f} ms  p99 {res.p99_ms:8.2f} ms  "
                            f"errors {res.errors}",
                            flush=True,
                        )
                        time.sleep(1)
                after = memory_of_tree(server.process.pid)
                memory[app] = (before, after)
            finally:
                for s in reversed(servers):
                    stop_server(s)
                    if s.log.exists() and app == "service":
                        tail = s.log.read_text(errors="replace").splitlines()[-3:]
                        notes.append(f"{s.name} log tail: " + " | ".join(t[:200] for t in tail))
        if args.rounds > 0 and {"walk", "service"} <= set(apps):
            paired = paired_rounds(wrk, args, tmp, luas, bodies, mock_base)

    load = f"load average (1/5/15 min) before {_load(load_before)}, after {_load(os.getloadavg())}"
    notes.append(load + ": other work on the machine skews absolute figures; ratios less so")
    report = render_report(results, paired, memory, notes, args, levels, sizes)
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench-{now.strftime('%Y%m%d-%H%M%S')}.md"
    out.write_text(report)
    print(f"written to {out.relative_to(ROOT)}")
    return 0


def service_env(database: Path, mock_base: str) -> dict[str, str]:
    """The service's settings in the benchmark: no auth, a temp SQLite file, the mock allowed."""
    return {
        "CDS_AUTH": "off",
        "CDS_DATABASE_URL": f"sqlite:///{database}",
        "CDS_FHIR_ALLOWLIST": orjson.dumps([mock_base]).decode(),
    }


def paired_rounds(
    wrk: str,
    args: argparse.Namespace,
    tmp: Path,
    luas: dict[str, tuple[str, Path]],
    bodies: dict[str, tuple[str, bytes]],
    mock_base: str,
) -> list[tuple[Result, Result]]:
    """Target 1 again, as (walk, service) pairs run back to back, both servers up throughout.

    Why: on a shared 2-core VM the speed of the machine itself drifts by tens of percent within
    a minute (a fixed pure-Python loop measured 83-191 ms from one second to the next), so one
    10 s run per app, a minute apart, can compare a fast minute with a slow one. Pairs close in
    time, alternating which app goes first, and the median of their ratios, are much less
    sensitive to that; every round is reported.
    """
    service_id, lua = luas["typical"]
    env = {**os.environ, **service_env(tmp / "paired.sqlite3", mock_base)}
    servers: list[Server] = []
    pairs: list[tuple[Result, Result]] = []
    try:
        ports = {"walk": free_port(), "service": free_port()}
        servers.append(
            start_server(
                "paired-walk",
                uvicorn_command("bench.baselines:walk_app", ports["walk"], args.workers),
                ports["walk"],
                {**os.environ},
                tmp,
                ROOT,
            )
        )
        servers.append(
            start_server(
                "paired-service",
                service_command(ports["service"], args.workers),
                ports["service"],
                env,
                tmp,
                ROOT,
            )
        )
        for port in ports.values():
            warm_up(f"http://127.0.0.1:{port}", service_id, bodies["typical"][1])
        for n in range(args.rounds):
            order = ["walk", "service"] if n % 2 == 0 else ["service", "walk"]
            got: dict[str, Result] = {}
            for app in order:
                url = f"http://127.0.0.1:{ports[app]}/cds-services/{service_id}"
                got[app] = run_wrk(wrk, url, lua, 16, args.round_duration, app, "typical")
                time.sleep(1)
            pairs.append((got["walk"], got["service"]))
            w, s = pairs[-1]
            print(
                f"paired round {n + 1}: walk {w.rps:.1f} req/s, service {s.rps:.1f} req/s, "
                f"ratio {s.rps / w.rps:.2f}",
                flush=True,
            )
    finally:
        for server in reversed(servers):
            stop_server(server)
    return pairs


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def render_report(
    results: list[Result],
    paired: list[tuple[Result, Result]],
    memory: dict[str, tuple[str, str]],
    notes: list[str],
    args: argparse.Namespace,
    levels: list[int],
    sizes: str,
) -> str:

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    lines = [
        f"# CDS service benchmark, {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"{args.workers} uvicorn worker(s) per app, wrk {args.duration} s per run on 127.0.0.1, "
        f"mock FHIR delay {args.delay_ms:g} ms per query. Requests: {sizes}.",
        "",
        "| app | request | conc. | req/s | p50 ms | p99 ms | errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.app} | {r.request} | {r.concurrency} | {r.rps:.1f} | {r.p50_ms:.2f} | "
            f"{r.p99_ms:.2f} | {r.errors} |"
        )
    if paired:
        lines += [
            "",
            f"## Paired rounds (typical, c=16, {args.round_duration} s each, back to back)",
            "",
            "| round | walk req/s | service req/s | ratio | errors |",
            "|---:|---:|---:|---:|---:|",
        ]
        for n, (w, s) in enumerate(paired, 1):
            lines.append(
                f"| {n} | {w.rps:.1f} | {s.rps:.1f} | {s.rps / w.rps:.2f} | {w.errors + s.errors} |"
            )
    lines += ["", "## Ratios and targets", ""]
    lines += check_targets(results, levels, args.delay_ms, paired)
    lines += ["", "## Memory (RSS per process of the app's tree: now / peak)", ""]
    for app, (before, after) in memory.items():
        lines.append(f"- {app}: before load {before}; after load {after}")
    lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
