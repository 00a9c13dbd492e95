"""Under 18, the outside-pathway card says what makes DVT suspected (docs/clinical-basis.md
§1.13): a VTE risk factor on record is named with its record, and when only the leg examination
is missing the card asks for it instead of announcing a suspected DVT."""

from __future__ import annotations

from dataclasses import replace

from cds.triage import card_topic
from fhir_mappings.features import DraftOrder, Laterality
from tests.clinical.chart import (
    Chart,
    F,
    calf_pain,
    card,
    documented_absent,
    found,
    run,
    topics,
    unknown,
)

EXAMINATION = (F.DEEP_VEIN_TENDERNESS, F.LEG_SWELLING, F.PITTING_OEDEMA)
RECORD_SEARCHED = (
    "- No VTE risk factor found on record (searched: active cancer, paralysis, paresis or leg "
    "plaster, bedridden, recent major surgery, previous DVT"
)


def not_examined(*more: object, age: int = 10) -> Chart:
    findings = [calf_pain(), *(unknown(name) for name in EXAMINATION), *more]
    return Chart(findings, age=age)  # type: ignore[arg-type]


def test_a_child_whose_leg_is_not_examined_is_asked_for_the_examination() -> None:
    shown = card(not_examined(), "dvt-outside-pathway")
    assert shown.indicator == "warning"
    assert shown.summary == (
        "Leg complaint at age 10, examination not documented: examine; a leg sign or VTE risk "
        "factor means same-day paediatric assessment"
    )
    lines = (shown.detail or "").splitlines()
    assert lines[:4] == [
        "Current leg findings: calf pain.",
        "",
        "- Age: 10",
        "- Not documented: tenderness along the deep veins, leg swelling, pitting oedema",
    ]
    assert lines[4].startswith(RECORD_SEARCHED)
    assert lines[6:13] == [
        "**Next steps**",
        "",
        "- Examine both legs and document swelling, tenderness along the deep veins and pitting "
        "oedema.",
        "- A leg sign or a VTE risk factor: same-day assessment by the paediatric (or adolescent) "
        "team, with haematology advice; imaging is decided there.",
        "- No leg sign and no VTE risk factor: DVT is not suspected. NICE NG158 covers adults "
        "aged 18 and over: Wells and the D-dimer are not validated in children and young people.",
        "",
        "Do not start physiotherapy, massage or compression until DVT is excluded.",
    ]


def test_only_the_missing_items_are_named() -> None:
    findings = [calf_pain(), documented_absent(F.LEG_SWELLING), unknown(F.PITTING_OEDEMA)]
    shown = card(Chart(findings, age=12), "dvt-outside-pathway")  # type: ignore[arg-type]
    assert "- Not documented: pitting oedema" in (shown.detail or "").splitlines()


def test_a_record_that_could_not_be_searched_is_not_called_free_of_risk_factors() -> None:
    record_unknown = [unknown(name) for name in (F.ACTIVE_CANCER, F.PARALYSIS_OR_PLASTER)]
    record_unknown += [unknown(name) for name in (F.BEDRIDDEN, F.RECENT_MAJOR_SURGERY)]
    record_unknown += [unknown(F.PREVIOUS_DVT), unknown(F.PREVIOUS_PE)]
    shown = card(not_examined(*record_unknown), "dvt-outside-pathway")
    lines = (shown.detail or "").splitlines()
    assert "- VTE risk factors: the record could not be searched" in lines
    assert not any(line.startswith("- No VTE risk factor") for line in lines)


def test_a_risk_factor_on_record_makes_dvt_suspected_and_is_cited() -> None:
    pill = found(F.HORMONAL_CONTRACEPTION, ref="MedicationRequest/pill")
    shown = card(not_examined(pill, age=16), "dvt-outside-pathway")
    assert shown.summary == (
        "Suspected DVT at age 16: under 18 is outside NICE NG158, same-day paediatric assessment"
    )
    lines = (shown.detail or "").splitlines()
    assert lines[3].startswith("- VTE risk factor on record: hormonal contraception (Medication")
    # the examination still missing is said, but the record search line is the examine card's
    assert lines[4] == (
        "- Not documented: tenderness along the deep veins, leg swelling, pitting oedema"
    )
    assert not any(line.startswith("- No VTE risk factor found") for line in lines)


def test_a_leg_sign_keeps_the_suspected_dvt_card_without_the_examination_request() -> None:
    swollen = found(F.LEG_SWELLING, leg=Laterality.LEFT)
    shown = card(Chart([calf_pain(), swollen], age=14), "dvt-outside-pathway")
    assert shown.summary.startswith("Suspected DVT at age 14: ")
    assert "Examine both legs" not in (shown.detail or "")


def test_a_documented_normal_examination_without_risk_factors_gives_no_dvt_card() -> None:
    examined = Chart([calf_pain(), documented_absent(F.LEG_SWELLING)], age=10)
    assert "dvt-outside-pathway" not in topics(examined)


def test_an_order_check_for_a_child_not_yet_examined_asks_for_the_examination_first() -> None:
    physio = DraftOrder("ServiceRequest/physio", "ServiceRequest", "physiotherapy", None, True)
    features = replace(not_examined().feature_set(), draft_orders=[physio])
    shown = run(features, "order-sign")
    (check,) = [c for c in shown if card_topic(c) == "dvt-order-check"]
    assert check.summary == (
        "Physiotherapy ordered while DVT is not excluded: the leg examination first (NICE NG158)"
    )


def test_a_pregnant_teenager_gets_the_pregnancy_card_without_the_child_grounds() -> None:
    """Pregnancy decides the steps (RCOG); it is not listed again as a child's risk factor."""
    chart = not_examined(found(F.PREGNANCY, ref="Condition/preg"), age=16)
    chart.sex = "female"
    shown = card(chart, "dvt-outside-pathway")
    assert shown.summary.startswith("Suspected DVT in pregnancy or postpartum")
    lines = (shown.detail or "").splitlines()
    assert not any(line.startswith(("- VTE risk factor", "- Not documented")) for line in lines)
