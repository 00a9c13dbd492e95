"""A known clot and anticoagulation (docs/clinical-basis.md §1.14)."""

from __future__ import annotations

from datetime import timedelta

from tests.clinical.chart import Chart, F, calf_pain, card, found, measured, topics


def known_pe() -> list[object]:
    return [
        found(F.CURRENT_PE, ago=timedelta(days=1), ref="Condition/pe"),
        found(F.ANTICOAGULANT, ago=timedelta(days=1), ref="MedicationRequest/doac"),
    ]


def test_a_known_treated_pe_starts_no_new_dvt_work_up() -> None:
    chart = Chart([calf_pain(), found(F.LEG_SWELLING), *known_pe()])  # type: ignore[list-item]
    assert not topics(chart) & {"dvt-likely", "dvt-ddimer", "physio-referral", "muscle-strain"}


def test_new_deterioration_with_a_known_pe_is_critical_without_a_new_pe_work_up() -> None:
    chart = Chart([calf_pain(), measured(F.SPO2, 89, "%"), *known_pe()])  # type: ignore[list-item]
    pe = card(chart, "pe-emergency")
    assert pe.indicator == "critical"
    assert pe.summary.startswith("Known PE")
    assert "CTPA" not in pe.summary and "no D-dimer" in (pe.detail or "")


def test_anticoagulated_for_another_reason_a_new_swollen_leg_goes_to_imaging() -> None:
    """Atrial fibrillation on a DOAC: DVT is still possible and a D-dimer cannot exclude it."""
    chart = Chart(
        [calf_pain(), found(F.ANTICOAGULANT, ref="MedicationRequest/af-doac")],
    )
    labels = [s.label.lower() for s in card(chart, "dvt-ddimer").suggestions or []]
    assert any("ultrasound" in label for label in labels)
    assert not any("d-dimer" in label for label in labels)
