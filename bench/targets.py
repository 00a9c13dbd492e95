"""The performance targets, as ratios measured in the same run.

1. Throughput on the typical request >= 0.4 x the parse-and-walk baseline (checked at
   concurrency 16, where one worker is saturated; the other levels are shown too). Judged on
   the median ratio of the paired rounds when the run has them (``bench/run.py --rounds``:
   walk and service back to back, several times), because the machine's own speed drifts
   between two runs a minute apart; the single-run ratio is shown beside it.
2. p99 at concurrency 16 <= 3 x the parse-and-walk baseline's p99.
3. The 10x request (300 Observations) costs <= 10 x the typical one: time per request at
   concurrency 1 (mean latency), so queueing does not blur it.
4. The fallback path (no prefetch, every query to the mock FHIR server with a fixed delay) adds
   <= 1.3 x one query's delay over the prefetched request: median latency at concurrency 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

THROUGHPUT_RATIO = 0.4  # service / parse-and-walk, typical request, c=16


@dataclass
class Result:
    """One wrk run of one app, request and concurrency (``bench/run.py``)."""

    app: str
    request: str
    concurrency: int
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    errors: int


def _find(results: list[Result], app: str, request: str, c: int) -> Result | None:
    for r in results:
        if r.app == app and r.request == request and r.concurrency == c:
            return r
    return None


def _verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def check_targets(
    results: list[Result],
    levels: list[int],
    delay_ms: float,
    paired: list[tuple[Result, Result]] | None = None,
) -> list[str]:
    lines: list[str] = []
    for c in levels:
        svc = _find(results, "service", "typical", c)
        walk = _find(results, "walk", "typical", c)
        const = _find(results, "constant", "typical", c)
        if svc and walk and const:
            lines.append(
                f"- typical, c={c}: service/walk throughput {svc.rps / walk.rps:.2f}, "
                f"service/constant {svc.rps / const.rps:.2f}; p99 service/walk "
                f"{svc.p99_ms / walk.p99_ms:.2f}"
            )
    lines.append("")
    svc16 = _find(results, "service", "typical", 16)
    walk16 = _find(results, "walk", "typical", 16)
    if paired:
        ratios = [s.rps / w.rps for w, s in paired]
        single = f"; single run {svc16.rps / walk16.rps:.2f}" if svc16 and walk16 else ""
        valid = all(not (w.errors or s.errors) for w, s in paired)
        lines.append(
            f"1. Throughput >= {THROUGHPUT_RATIO} x parse-and-walk (typical, c=16): median of "
            f"{len(ratios)} paired rounds {median(ratios):.2f} (rounds: "
            f"{', '.join(f'{r:.2f}' for r in ratios)}{single}) -> "
            f"{_verdict(median(ratios) >= THROUGHPUT_RATIO and valid)}"
        )
    elif svc16 and walk16:
        ratio = svc16.rps / walk16.rps
        lines.append(
            f"1. Throughput >= {THROUGHPUT_RATIO} x parse-and-walk (typical, c=16): {ratio:.2f} -> "
            f"{_verdict(ratio >= THROUGHPUT_RATIO)}"
        )
    if svc16 and walk16:
        p99 = svc16.p99_ms / walk16.p99_ms
        lines.append(
            f"2. p99 at c=16 <= 3 x baseline p99: {svc16.p99_ms:.1f} ms vs "
            f"{walk16.p99_ms:.1f} ms = {p99:.2f} x -> {_verdict(p99 <= 3)}"
        )
    else:
        if not paired:
            lines.append("1. not measured (need service and walk at c=16)")
        lines.append("2. not measured (need service and walk at c=16)")
    typ1 = _find(results, "service", "typical", 1)
    big1 = _find(results, "service", "large", 1)
    walk_big1 = _find(results, "walk", "large", 1)
    walk_typ1 = _find(results, "walk", "typical", 1)
    if typ1 and big1:
        ratio = big1.mean_ms / typ1.mean_ms
        extra = ""
        if walk_big1 and walk_typ1:
            extra = f" (walk baseline: {walk_big1.mean_ms / walk_typ1.mean_ms:.2f} x)"
        lines.append(
            f"3. 10x request <= 10 x typical (mean latency, c=1): {big1.mean_ms:.1f} ms vs "
            f"{typ1.mean_ms:.1f} ms = {ratio:.2f} x{extra} -> {_verdict(ratio <= 10)}"
        )
    else:
        lines.append("3. not measured (need service typical and large at c=1)")
    fb1 = _find(results, "service", "fallback", 1)
    if typ1 and fb1:
        added = fb1.p50_ms - typ1.p50_ms
        limit = 1.3 * delay_ms
        ok = added <= limit and fb1.errors == 0
        lines.append(
            f"4. Fallback adds <= 1.3 x one query's delay ({limit:.0f} ms): p50 {fb1.p50_ms:.1f} "
            f"ms vs {typ1.p50_ms:.1f} ms = +{added:.1f} ms -> {_verdict(ok)}"
        )
    else:
        lines.append("4. not measured (need service typical and fallback at c=1)")
    errors = [r for r in results if r.errors]
    if errors:
        lines.append("")
        lines.append(
            "Runs with non-2xx answers or socket errors (their figures are not valid): "
            + ", ".join(f"{r.app}/{r.request}/c={r.concurrency}: {r.errors}" for r in errors)
        )
    return lines
