"""Calf cramp or pain on a statin with a raised CK (docs/clinical-basis.md §1.9; S36, S37).

CK at or above 3 x the lab's upper limit on a current statin is statin myopathy, not a cramp: the
statin-myopathy card (review the statin, repeat CK, renal and thyroid function) and no cramp card.
At or above 10 x the statin is stopped and rhabdomyolysis looked for the same day: critical.
Without the lab's upper limit the CK is not judged, and the cramp card says statin myopathy is
unknown. A statin that is not current, or a CK the lab has not finalised, changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cds.triage.thresholds import CK_RHABDOMYOLYSIS_ULN_MULTIPLE, CK_ULN_MULTIPLE
from fhir_mappings.codes import RXNORM
from fhir_mappings.features import Coding, Evidence, Feature, FeatureName, State
from tests.clinical.chart import (
    NOW,
    Chart,
    calf_pain,
    card,
    cards,
    lab,
    present,
    tender_deep_veins,
    topics,
)
from tests.triage.contract import check_cards

F = FeatureName
ULN = 200.0


def atorvastatin() -> Feature:
    evidence = Evidence(
        reference="MedicationRequest/statin",
        concept=Coding(RXNORM, "617311", "atorvastatin 40 MG Oral Tablet"),
        value="status active",
        time=NOW - timedelta(days=90),
    )
    return Feature(F.STATIN, State.PRESENT, (evidence,))


def chart(
    ck: float,
    *others: Feature,
    high: float | None = ULN,
    statin: Feature | None = None,
    preliminary: bool = False,
) -> Chart:
    """A recent calf cramp, electrolytes normal, CK ``ck`` U/L (the lab's upper limit ``high``)."""
    return Chart(
        [present(F.CRAMP), statin or atorvastatin(), *others],
        labs={
            "potassium": [lab("potassium", 4.2, "mmol/L")],
            "creatine_kinase": [
                lab("creatine_kinase", ck, "U/L", high=high, preliminary=preliminary)
            ],
        },
    )


def test_the_thresholds_are_the_cited_multiples() -> None:
    assert (CK_ULN_MULTIPLE, CK_RHABDOMYOLYSIS_ULN_MULTIPLE) == (3.0, 10.0)


@pytest.mark.parametrize(
    ("ck", "expected"),
    [(599, {"cramp"}), (600, {"statin-myopathy"})],  # exactly 3 x ULN is myopathy
)
def test_ck_three_times_the_upper_limit_on_a_statin_is_myopathy_not_cramp(
    ck: float, expected: set[str]
) -> None:
    assert topics(chart(ck)) == expected


def test_the_myopathy_card_names_the_statin_and_gives_no_cramp_self_care() -> None:
    found = cards(chart(980))
    check_cards(found)
    (myopathy,) = found
    assert myopathy.indicator == "warning"
    assert "Possible statin myopathy, not cramp: CK 980 U/L" in myopathy.summary
    assert "atorvastatin 40 MG Oral Tablet" in myopathy.summary
    assert "4.9× the lab's upper limit (200 U/L)" in myopathy.detail
    assert "atorvastatin 40 MG Oral Tablet (statin), MedicationRequest/statin" in myopathy.detail
    for step in ("stop it or reduce the dose", "Repeat CK weekly", "renal function", "TSH"):
        assert step in myopathy.detail
    assert "stretching" not in myopathy.detail.lower()
    assert [s.label for s in myopathy.suggestions or []] == ["Order a repeat CK"]


@pytest.mark.parametrize(("ck", "indicator"), [(1999, "warning"), (2000, "critical")])
def test_ten_times_the_upper_limit_means_stop_the_statin_and_look_for_rhabdomyolysis(
    ck: float, indicator: str
) -> None:
    myopathy = card(chart(ck), "statin-myopathy")
    assert myopathy.indicator == indicator
    rhabdo = "Same day: creatinine and U&E" in myopathy.detail
    assert rhabdo is (indicator == "critical")
    assert ("stop the statin" in myopathy.summary) is (indicator == "critical")


def test_without_the_labs_upper_limit_statin_myopathy_is_unknown_and_said_so() -> None:
    unjudged = chart(5000, high=None)
    assert topics(unjudged) == {"cramp"}
    text = card(unjudged, "cramp").detail
    assert "CK 5000 U/L (no reference range sent)" in text
    assert (
        "statin myopathy (CK ≥ 3× the upper limit) is unknown, neither shown nor excluded" in text
    )


@pytest.mark.parametrize(
    "statin",
    [
        Feature(F.STATIN, State.UNKNOWN, reason="only MedicationRequest status stopped"),
        Feature(F.STATIN, State.UNKNOWN, reason="not documented"),
    ],
    ids=["stopped", "none"],
)
def test_a_raised_ck_without_a_current_statin_stays_on_the_cramp_card(statin: Feature) -> None:
    no_statin = chart(980, statin=statin)
    assert topics(no_statin) == {"cramp"}
    cramp = card(no_statin, "cramp")
    assert "CK 980 U/L (≥ 3× upper limit)" in cramp.detail
    assert "statin" not in cramp.summary


def test_a_preliminary_ck_is_not_judged() -> None:
    assert topics(chart(980, preliminary=True)) == {"cramp"}


def test_calf_pain_on_a_statin_with_a_raised_ck_is_myopathy_too() -> None:
    pain_only = Chart(
        [calf_pain(), atorvastatin()],
        labs={"creatine_kinase": [lab("creatine_kinase", 900, "U/L", high=ULN)]},
    )
    assert "statin-myopathy" in topics(pain_only)


def test_with_dvt_not_excluded_the_myopathy_card_says_so_and_the_dvt_card_stays() -> None:
    likely = chart(980, calf_pain(), tender_deep_veins(), present(F.PITTING_OEDEMA))
    found = topics(likely)
    assert {"statin-myopathy", "dvt-likely"} <= found
    assert "cramp" not in found
    dvt = "DVT is not excluded: follow the DVT card; a raised CK does not exclude a DVT."
    assert dvt in card(likely, "statin-myopathy").detail


def test_a_ck_without_an_upper_limit_and_no_statin_gives_the_ordinary_cramp_card() -> None:
    no_statin = Feature(F.STATIN, State.UNKNOWN, reason="not documented")
    found = card(chart(5000, high=None, statin=no_statin), "cramp")
    assert found.indicator == "info"
    assert "statin myopathy" not in found.detail


def test_with_the_ck_alone_there_is_no_other_bloods_section() -> None:
    ck_only = Chart(
        [present(F.CRAMP), atorvastatin()],
        labs={"creatine_kinase": [lab("creatine_kinase", 980, "U/L", high=ULN)]},
    )
    assert "Other recent bloods" not in card(ck_only, "statin-myopathy").detail
