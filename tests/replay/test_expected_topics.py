"""What a clinician expects each fixture to produce (card topics), against its golden file.

The golden files record what the service answers; this table records what it *should* answer.
Rows marked ``WRONG`` are cases where the current golden is not clinically right (reported to
the mapping / triage owners); they are strict xfails, so the day the logic is fixed the test
turns red and the golden must be regenerated with ``cds-triage replay --update`` and reviewed.
"""

from __future__ import annotations

import pytest

from cds.replay.golden import topics
from cds.triage.rules import RED_FLAGS, physio_referral
from tests.replay.helpers import CASES, FIXTURES, TOPICS, case_id, golden

EXPECTED: dict[str, tuple[frozenset[str], str | None]] = {
    "alt-diagnosis-bakers-cyst-differential": (frozenset({"dvt-likely"}), None),
    "calf-difference-3cm-wells1997": (frozenset({"dvt-ddimer"}), None),
    "calf-difference-3cm-wells2003": (frozenset({"dvt-likely"}), None),
    "cauda-equina-sciatica-saddle-numbness": (frozenset({"cauda-equina"}), None),
    "compartment-syndrome-tibial-fracture": (
        frozenset({"compartment-syndrome", "pe-emergency"}),
        None,
    ),
    "cramp-exercise-no-labs": (frozenset({"cramp"}), None),
    "cramp-furosemide-rxnorm-low-potassium": (frozenset({"cramp"}), None),
    "cramp-hypokalaemia-diuretic": (frozenset({"cramp"}), None),
    # a statin with CK >= 3 x the upper limit is statin myopathy, not a cramp
    "cramp-statin-raised-ck": (frozenset({"statin-myopathy"}), None),
    "dvt-anticoagulated-af-new-swollen-leg": (frozenset({"dvt-ddimer"}), None),
    "dvt-ddimer-after-anticoagulation": (frozenset({"dvt-ddimer"}), None),
    "dvt-ddimer-age-50-adjusted": (frozenset({"dvt-ddimer"}), None),
    "dvt-ddimer-age-72-default": (frozenset({"dvt-ddimer"}), None),
    "dvt-ddimer-asserted-alternative": (frozenset({"dvt-ddimer"}), None),
    "dvt-ddimer-ddu-positive": (frozenset({"dvt-ddimer"}), None),
    "dvt-ddimer-entered-in-error": (frozenset({"dvt-ddimer"}), None),
    "dvt-ddimer-history-of-cancer": (frozenset({"dvt-ddimer"}), None),
    # anticoagulated by MedicationAdministrations alone: the D-dimer after the first dose is void
    "dvt-ddimer-inpatient-enoxaparin-administered": (frozenset({"dvt-ddimer"}), None),
    "dvt-ddimer-needed-wells-0": (frozenset({"dvt-ddimer"}), None),
    "dvt-ddimer-old-negative-ddimer": (frozenset({"dvt-ddimer"}), None),
    "dvt-ddimer-positive-feu": (frozenset({"dvt-ddimer"}), None),
    "dvt-ddimer-refuted-dvt": (frozenset({"dvt-ddimer"}), None),
    "dvt-likely-active-cancer": (frozenset({"dvt-likely"}), None),
    "dvt-likely-cellulitis-other-leg": (frozenset({"dvt-likely"}), None),
    # on apixaban, no D-dimer: the scan alone, a repeat scan if negative
    "dvt-likely-on-apixaban-tender-deep-veins": (frozenset({"dvt-likely"}), None),
    "dvt-likely-ddimer-ordered": (frozenset({"dvt-order-check"}), None),
    "dvt-likely-resolved-previous-dvt": (frozenset({"dvt-likely"}), None),
    "dvt-likely-wells-2-bedridden": (frozenset({"dvt-likely"}), None),
    "dvt-likely-wells-8-every-criterion": (frozenset({"dvt-likely"}), None),
    "dvt-outside-pathway-pregnancy": (frozenset({"dvt-outside-pathway"}), None),
    "dvt-outside-pathway-under-18": (frozenset({"dvt-outside-pathway"}), None),
    "dvt-outside-pathway-postpartum-3-weeks": (frozenset({"dvt-outside-pathway"}), None),
    "dvt-unlikely-age-72-adjusted": (frozenset({"dvt-unlikely-lab-flag"}), None),
    "dvt-unlikely-wells-1-ddimer-negative": (frozenset(), None),
    "fever-coded-cramp": (frozenset({"fever-red-flag"}), None),
    "fever-hot-red-calf": (frozenset({"fever-red-flag", "dvt-ddimer"}), None),
    "fever-muscle-strain": (frozenset({"fever-red-flag"}), None),
    "fever-sciatica-spinal-infection": (frozenset({"fever-red-flag"}), None),
    "fever-septic-hot-calf": (frozenset({"fever-red-flag", "dvt-ddimer"}), None),
    "flowsheet-answers-no-wells-0": (frozenset({"dvt-ddimer"}), None),
    "heart-failure-bilateral-swelling": (frozenset(), None),
    "missing-data-wells-range": (frozenset({"dvt-ddimer"}), None),
    "muscle-strain-ddimer-below-measuring-range": (
        frozenset({"muscle-strain", "physio-referral"}),
        None,
    ),
    "muscle-strain-physio-referral": (frozenset({"muscle-strain", "physio-referral"}), None),
    "muscle-strain-wells-minus-2": (frozenset({"muscle-strain"}), None),
    "no-birth-date-calf-pain": (frozenset({"dvt-ddimer"}), None),
    "no-cards-old-calf-strain": (frozenset(), None),
    "no-leg-complaint-urti": (frozenset(), None),
    "nsaid-order-select-dvt-not-excluded": (frozenset({"dvt-order-check"}), None),
    "pe-emergency-dyspnoea-tachycardia": (frozenset({"pe-emergency"}), None),
    "pe-emergency-haemoptysis-order-sign": (
        frozenset({"pe-emergency", "dvt-order-check"}),
        None,
    ),
    "pe-known-treated-new-deterioration": (frozenset({"pe-emergency"}), None),
    "pe-likely-with-dvt-signs": (frozenset({"pe-emergency"}), None),
    "pe-suspected-on-anticoagulation": (frozenset({"pe-emergency"}), None),
    "physio-order-select-dvt-likely": (frozenset({"dvt-order-check"}), None),
    "physio-order-sign-dvt-excluded": (frozenset(), None),
    "physio-order-sign-dvt-likely": (frozenset({"dvt-order-check"}), None),
    "sciatica-asserted-wells-minus-2": (frozenset({"sciatica", "physio-referral"}), None),
    "sciatica-asserted-other-leg-no-minus-2": (frozenset({"dvt-likely"}), None),
    # Synthea-coded records (what US EHRs send): the "should be" of each row the value sets fix
    "dvt-ddimer-synthea-enoxaparin-warfarin": (frozenset({"dvt-ddimer"}), None),
    "dvt-ddimer-synthea-natazia-camila": (frozenset({"dvt-ddimer"}), None),
    "dvt-likely-synthea-ankle-fracture-immobilised": (frozenset({"dvt-likely"}), None),
    "dvt-likely-synthea-chronic-paralysis": (frozenset({"dvt-likely"}), None),
    "dvt-likely-synthea-colon-cancer-colectomy": (frozenset({"dvt-likely"}), None),
    "dvt-likely-synthea-lung-cancer-chemoradiation": (frozenset({"dvt-likely"}), None),
    "dvt-likely-ultrasound-ordered": (frozenset(), None),
    "dvt-outside-pathway-synthea-caesarean": (frozenset({"dvt-outside-pathway"}), None),
    "dvt-outside-pathway-synthea-normal-pregnancy": (frozenset({"dvt-outside-pathway"}), None),
    "nsaid-order-select-naprosyn-rxnorm": (frozenset({"dvt-order-check"}), None),
    "nsaid-order-sign-on-apixaban": (frozenset({"dvt-order-check"}), None),
    "sciatica-radicular-right": (frozenset({"sciatica", "physio-referral"}), None),
    "under-18-calf-pain-examination-not-documented": (frozenset({"dvt-outside-pathway"}), None),
    "under-18-sports-injury-normal-exam": (frozenset({"muscle-strain"}), None),
}
# Topics a physiotherapy referral never travels with: the live DVT cards and every red flag.
EXCLUSIVE = physio_referral.BLOCKED_BY | {topic.code for rule in RED_FLAGS for topic in rule.topics}


def test_every_fixture_has_an_expectation_and_every_topic_is_expected() -> None:
    assert {case_id(p) for p in CASES} == set(EXPECTED)
    expected_topics = set().union(*(t for t, _ in EXPECTED.values()))
    assert set(TOPICS) <= expected_topics
    assert any(not t for t, _ in EXPECTED.values()), "a no-card case is expected"


def _params() -> list[object]:
    params: list[object] = []
    for name, (_, wrong) in sorted(EXPECTED.items()):
        marks = [pytest.mark.xfail(strict=True, reason=f"WRONG: {wrong}")] if wrong else []
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.mark.parametrize("name", _params())
def test_golden_topics_are_what_a_clinician_expects(name: str) -> None:
    found = golden(FIXTURES / f"{name}.json")
    assert found is not None
    assert frozenset(topics(found)) == EXPECTED[name][0]


@pytest.mark.parametrize("path", CASES, ids=case_id)
def test_no_physio_referral_beside_dvt_or_critical_cards(path: object) -> None:
    found = golden(path)  # type: ignore[arg-type]
    assert found is not None
    seen = set(topics(found))
    assert not (physio_referral.TOPIC.code in seen and seen & EXCLUSIVE)
