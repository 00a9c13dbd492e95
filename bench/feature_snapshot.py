"""What the mapping layer makes of every fixture and bench request, as text: the safety net for
reshaping ``fhir_mappings`` without changing what it reads.

    .venv/bin/python bench/feature_snapshot.py --out /tmp/before.txt      # before a change
    .venv/bin/python bench/feature_snapshot.py --compare /tmp/before.txt  # after it: exit 1 if
                                                                          # any FeatureSet differs

One line per input: the ``repr`` of its FeatureSet (every feature, state, reason, evidence,
laterality, D-dimer, lab, alternative, skipped resource), for each fixture bundle with and
without the unverified codes, and for each bench request's prefetch, all at one fixed "now". The
golden cards (``cds-triage replay fixtures/ --check``) say whether the cards changed; this says
whether anything the cards are built from changed, including what no card shows today.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from bench.make_requests import build_requests  # noqa: E402
from cds.engine import mapping_options  # noqa: E402
from cds.settings import Settings  # noqa: E402
from fhir_mappings.extract import MappingOptions, extract_features  # noqa: E402
from fhir_mappings.features import FeatureSet  # noqa: E402

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _line(label: str, fs: FeatureSet) -> str:
    # ``available`` is a frozenset: its repr order depends on the hash seed, so print it sorted
    fs.available, available = frozenset(), sorted(fs.available)
    return f"{label} available={available} {fs!r}"


def _fixture_lines(options: MappingOptions) -> list[str]:
    lines = []
    for path in sorted((ROOT / "fixtures").glob("*.json")):
        if path.name.endswith(".expected.json"):
            continue
        bundle: dict[str, Any] = orjson.loads(path.read_bytes())
        entries = [e.get("resource") or {} for e in bundle.get("entry", [])]
        ids = [r.get("id") for r in entries if r.get("resourceType") == "Patient"]
        for unverified in (False, True):
            fs = extract_features(
                [bundle],
                patient_id=str(ids[0]) if ids else "none",
                now=NOW,
                options=replace(options, include_unverified_codes=unverified),
                available=frozenset({"patient", "conditions", "observations"}),
            )
            lines.append(_line(f"fixture {path.name} unverified={unverified}", fs))
    return lines


def _bench_lines(options: MappingOptions) -> list[str]:
    lines = []
    for name, (_service, body) in sorted(build_requests(NOW).items()):
        request = orjson.loads(body)
        prefetch: dict[str, Any] = request.get("prefetch") or {}
        drafts = (request["context"].get("draftOrders") or {}).get("entry", [])
        fs = extract_features(
            list(prefetch.values()),
            patient_id=request["context"]["patientId"],
            now=NOW,
            options=options,
            available=frozenset(prefetch),
            draft_orders=[e["resource"] for e in drafts],
        )
        lines.append(_line(f"bench {name}", fs))
    return lines


def snapshot() -> list[str]:
    options = mapping_options(Settings(auth="off"))
    return _fixture_lines(options) + _bench_lines(options)


def main() -> int:
    parser = argparse.ArgumentParser(description="FeatureSet snapshot of fixtures and bench")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", type=Path, help="write the snapshot here")
    group.add_argument("--compare", type=Path, help="compare with a snapshot written before")
    args = parser.parse_args()
    lines = snapshot()
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
        print(f"{len(lines)} FeatureSets written to {args.out}")
        return 0
    before = args.compare.read_text().splitlines()
    if before == lines:
        print(f"identical: {len(lines)} FeatureSets")
        return 0
    changed = sum(1 for a, b in zip(before, lines, strict=False) if a != b)
    print(f"DIFFERENT: {changed} of {len(lines)} FeatureSets changed", file=sys.stderr)
    for row in difflib.unified_diff(before, lines, "before", "after", n=0, lineterm=""):
        print(row[:400], file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
