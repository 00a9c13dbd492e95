"""Fixtures for clinical behaviour that has no golden yet: ``fixtures/pending/``.

A golden file records what the service answers and is only written once the behaviour is right,
so these bundles are replayed live here instead and their card topics (and, where the topic alone
cannot tell, a phrase a clinician needs to read) are compared with what a clinician expects.
Rows whose behaviour is not implemented are strict xfails: the day it is, the test turns red,
the bundle moves to ``fixtures/`` with a reviewed golden (``cds-triage replay --update``) and its
row moves to ``test_expected_topics.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest
from fhir.resources.R4B.bundle import Bundle

from cds.fixture_bundle import load_fixture
from cds.replay.golden import normalise, topics
from cds.replay.transport import InProcessSender

PENDING = Path(__file__).resolve().parents[2] / "fixtures" / "pending"


class Expected(NamedTuple):
    topics: frozenset[str]
    says: tuple[str, ...] = ()  # phrases (lower case) some card's summary or detail must contain
    critical: str | None = None  # a topic that must carry the `critical` indicator
    not_yet: str | None = None  # why the service does not do this yet (strict xfail)


EXPECTED: dict[str, Expected] = {}
CASES = sorted(PENDING.glob("*.json"))


def _params() -> list[Any]:
    params: list[Any] = []
    for name, expected in sorted(EXPECTED.items()):
        marks = [pytest.mark.xfail(strict=True, reason=expected.not_yet)]
        params.append(pytest.param(name, marks=marks if expected.not_yet else [], id=name))
    return params


def test_every_pending_fixture_has_an_expectation() -> None:
    assert {p.name.removesuffix(".json") for p in CASES} == set(EXPECTED)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name.removesuffix(".json"))
def test_pending_fixture_is_a_realistic_r4_collection(path: Path) -> None:
    fixture = load_fixture(path)
    Bundle.model_validate(fixture.bundle)
    assert fixture.bundle["type"] == "collection"
    assert fixture.description and "\n" not in fixture.description
    for resource in fixture.resources:
        subject = resource.get("subject") or resource.get("patient")
        if subject is not None:
            assert subject["reference"] == f"Patient/{fixture.patient_id}"


@pytest.mark.parametrize("name", _params())
async def test_pending_fixture_gives_what_a_clinician_expects(name: str) -> None:
    expected = EXPECTED[name]
    async with InProcessSender() as sender:
        response = normalise(await sender.send(load_fixture(PENDING / f"{name}.json")))
    assert frozenset(topics(response)) == expected.topics
    cards: list[dict[str, Any]] = response.get("cards", [])
    text = " ".join(f"{c.get('summary', '')} {c.get('detail', '')}" for c in cards).lower()
    for phrase in expected.says:
        assert phrase in text, phrase
    if expected.critical is not None:
        assert any(
            c["indicator"] == "critical" and c["source"]["topic"]["code"] == expected.critical
            for c in cards
        )
