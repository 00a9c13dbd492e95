"""Mapping and triage leave no reference cycles: every object of a call is freed by reference
counting as soon as the call is done.

Why it matters (issue 7): the service raises the young-generation threshold of the garbage
collector to 50,000 after warm-up (cds/warmup.py), which is free only while calls leave no
cycles. Compiled with mypyc, a nested function and its environment refer to each other: one
closure in ``condition_findings`` left ~115 objects a typical call, a young collection every
~300 calls and ~9 % of the call's time in the collector. Checked on every fixture bundle, in the
mode the suite runs (compiled under ``make test``, plain Python with ``CDS_COMPILE=0``).
"""

from __future__ import annotations

import gc
from collections import Counter
from pathlib import Path

from cds import triage
from tests.triage.fixture_features import CASES, map_fixture


def _map_and_triage(path: Path) -> int:
    fixture, features = map_fixture(path)
    hook = fixture.hook or "patient-view"
    cards = triage.evaluate(
        features,
        hook=hook,  # type: ignore[arg-type]
        options=triage.TriageOptions(),
        hook_instance="fixture",
    )
    return len(cards)


def test_mapping_and_triage_of_every_fixture_leave_no_cycles() -> None:
    assert len(CASES) > 30
    for path in CASES:  # once first: code lists, unit plans and other caches are built
        _map_and_triage(path)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        cards = sum(_map_and_triage(path) for path in CASES)
        found = gc.collect()
        kinds = Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert cards > len(CASES)
    assert found == 0, f"objects only the garbage collector frees: {kinds.most_common(8)}"
