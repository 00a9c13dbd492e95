"""What the size of the value sets costs a call: the mapping with every set against a minimal index.

    .venv/bin/python bench/valueset_cost.py [--request typical] [--repeat 7] [-n 200]

Maps the benchmark request's resources (``bench/make_requests.py``) with ``extract_features``
twice, alternating: once with the index the service loads (every VSAC set and supplement), once
with the index's lookup table cut down to the keys the request's own codes can reach (their
exact codes and ICD-10-CM / ATC ancestors), the smallest table that maps this request to the same
features.
Both give the same features (checked), so the difference between the two times is what the size
of the sets costs per call. Prints the best time of ``--repeat`` runs of ``n`` calls each, and
the build time and entry count of the full index (paid once per process, at start-up).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

import fhir_mappings.extract as extract  # noqa: E402
from bench.make_requests import build_requests  # noqa: E402
from cds.engine import mapping_options  # noqa: E402
from cds.settings import Settings  # noqa: E402
from fhir_mappings.codelists import CodeIndex, load_index  # noqa: E402
from fhir_mappings.codes import ATC, ICD10CM, atc_lineage, icd_lineage  # noqa: E402
from fhir_mappings.features import FeatureSet  # noqa: E402


def _codes(value: Any) -> set[tuple[str, str]]:
    """Every (system, code) in a JSON tree, with the ancestors the index looks up."""
    found: set[tuple[str, str]] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            system, code = item.get("system"), item.get("code")
            if isinstance(system, str) and isinstance(code, str):
                keys = [code.strip()]
                if system == ICD10CM:
                    keys = list(icd_lineage(code))
                elif system == ATC:
                    keys = list(atc_lineage(code))
                found.update((system, key) for key in keys)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def minimal_index(full: CodeIndex, reachable: set[tuple[str, str]]) -> CodeIndex:
    """``full`` with its lookup table cut to ``reachable`` (the lists themselves are kept: the
    wording says whether a list has codes at all, and nothing per call walks them)."""
    by_code = {key: entries for key, entries in full.by_code.items() if key in reachable}
    return CodeIndex(
        by_code=by_code, lists=full.lists, value_sets=full.value_sets, systems=full.systems
    )


def _best(run: Callable[[], FeatureSet], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        run()
    return (time.perf_counter() - started) / n


def main() -> int:
    parser = argparse.ArgumentParser(description="cost of the value sets' size per call")
    parser.add_argument("--request", default="typical", choices=["typical", "large", "order-sign"])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("-n", type=int, default=200, help="calls per timed run")
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    _, body = build_requests(now)[args.request]
    request = orjson.loads(body)
    resources = [
        entry["resource"]
        for value in request["prefetch"].values()
        for entry in (value.get("entry", []) if value.get("resourceType") == "Bundle" else [])
    ] + [value for value in request["prefetch"].values() if value.get("resourceType") != "Bundle"]
    options = mapping_options(Settings(auth="off"))
    started = time.perf_counter()
    load_index.cache_clear()
    full = load_index(None, options.include_unverified_codes)
    built = time.perf_counter() - started
    small = minimal_index(full, _codes(request))

    def mapper(index: CodeIndex) -> Callable[[], FeatureSet]:
        def run() -> FeatureSet:
            with mock.patch.object(extract, "load_index", lambda *_: index):
                return extract.extract_features(
                    resources,
                    patient_id=request["context"]["patientId"],
                    now=now,
                    options=options,
                    available=request["prefetch"].keys(),
                )

        return run

    with_full, with_small = mapper(full), mapper(small)
    if with_full() != with_small():
        raise SystemExit("the minimal index maps this request differently: not comparable")
    times: dict[str, list[float]] = {"full": [], "minimal": []}
    for _ in range(args.repeat):
        times["full"].append(_best(with_full, args.n))
        times["minimal"].append(_best(with_small, args.n))
    full_ms, small_ms = 1000 * min(times["full"]), 1000 * min(times["minimal"])
    print(f"request {args.request}: {len(resources)} resources")
    print(f"full index:    {len(full.by_code):>7,} codes, built in {built:.2f} s at start-up")
    print(f"minimal index: {len(small.by_code):>7,} codes (those this request can reach)")
    print(f"mapping per call, best of {args.repeat} x {args.n}:")
    print(
        f"  full {full_ms:.3f} ms, minimal {small_ms:.3f} ms: full / minimal = "
        f"{full_ms / small_ms:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
