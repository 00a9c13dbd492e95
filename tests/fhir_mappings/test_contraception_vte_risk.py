"""Only contraceptives that raise the VTE risk make hormonal contraception a risk factor
(docs/clinical-basis.md §1.13): oestrogen-containing pills, patch and ring, the injection and
the implant do; the progestogen-only pill, the levonorgestrel IUS, emergency levonorgestrel and
spermicides, though the contraceptive value sets hold them, do not."""

from __future__ import annotations

from typing import Any

import pytest

from cds.settings import Settings
from cds.triage import card_topic, evaluate
from fhir_mappings.features import FeatureName, State

from .builders import LOCAL, PID, SCT, condition, observation, run, site, when

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def contraceptive(code: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": f"rx-{code}",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]},
        "authoredOn": when(30),
    }


@pytest.mark.parametrize(
    "code",
    [
        "748879",  # Levora (Synthea combination pill)
        "748856",  # Yaz
        "1367439",  # NuvaRing
        "1000126",  # medroxyprogesterone acetate 150 MG/ML injection
        "389221",  # etonogestrel implant
    ],
)
def test_a_contraceptive_that_raises_the_vte_risk_counts(code: str) -> None:
    got = run([contraceptive(code)]).get(FeatureName.HORMONAL_CONTRACEPTION)
    assert got.state is State.PRESENT


@pytest.mark.parametrize(
    "code",
    [
        "748962",  # Camila (Synthea minipill)
        "757594",  # Jolivette (Synthea minipill)
        "198042",  # norethindrone 0.35 MG oral tablet
        "807283",  # Mirena (Synthea hormonal IUD)
        "1366334",  # levonorgestrel intrauterine system
        "483325",  # levonorgestrel 1.5 MG (emergency)
        "198761",  # nonoxynol-9 vaginal insert
    ],
)
def test_a_contraceptive_without_a_vte_risk_does_not_count(code: str) -> None:
    got = run([contraceptive(code)]).get(FeatureName.HORMONAL_CONTRACEPTION)
    assert got.state is not State.PRESENT


def teenager_with_calf_pain(*records: dict[str, Any]) -> list[str | None]:
    """A 16-year-old girl, calf pain, leg examined and normal, ``records`` added: the topics."""
    leg = site("30021000", "7771000")
    resources = [
        {"resourceType": "Patient", "id": PID, "gender": "female", "birthDate": "2009-01-15"},
        condition(SCT, "300954003", rid="calf", body_site=[leg]),
        observation(SCT, "247348008", rid="tender", body_site=leg, valueBoolean=False),
        observation(SCT, "449614009", rid="swollen", valueBoolean=False),
        observation(LOCAL, "pitting-oedema", rid="pitting", body_site=leg, valueBoolean=False),
        *records,
    ]
    features = run(resources)
    shown = evaluate(features, hook="patient-view", settings=Settings(), hook_instance="h")
    return [card_topic(card) for card in shown]


def test_a_teenager_on_the_combined_pill_with_calf_pain_is_a_suspected_dvt() -> None:
    assert "dvt-outside-pathway" in teenager_with_calf_pain(contraceptive("748879"))


def test_a_teenager_on_the_minipill_is_not_sent_for_a_dvt_work_up() -> None:
    assert "dvt-outside-pathway" not in teenager_with_calf_pain(contraceptive("748962"))
