"""Every fixture bundle, mapped and triaged in process, yields cards that meet the contract.

This does not pin topics (the golden files and tests/replay do); it checks that whatever the
triage says for a realistic chart is a valid, explainable, deterministic CDS Hooks card set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cds import triage
from tests.clinical.chart import settings
from tests.triage.contract import check_cards
from tests.triage.fixture_features import CASES, map_fixture


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fixture_cards_meet_the_contract(path: Path) -> None:
    fixture, features = map_fixture(path)
    hook = fixture.hook or "patient-view"
    config = settings()
    first = triage.evaluate(features, hook=hook, settings=config, hook_instance="fixture")  # type: ignore[arg-type]
    again = triage.evaluate(features, hook=hook, settings=config, hook_instance="fixture")  # type: ignore[arg-type]
    check_cards(first, patient=features.patient_ref)
    assert [c.model_dump() for c in first] == [c.model_dump() for c in again]
