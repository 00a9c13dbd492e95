"""The cauda equina, compartment syndrome and fever red-flag cards, word for word
(docs/clinical-basis.md §1.6, §1.11): what to do now, the findings with their records, and the
notes that keep a clinician from waiting for late signs.
"""

from __future__ import annotations

from datetime import timedelta

from cards.models import Card
from cds.settings import Settings
from cds.triage.context import Context
from cds.triage.rules import compartment_syndrome
from fhir_mappings.features import Feature, Quantity
from tests.clinical.chart import Chart, F, calf_pain, card, ddimer, found, measured

HOUR = timedelta(hours=1)
RED_FLAGS_FIRST = "Red flags come before any score: no physiotherapy, massage or compression."


def lines(shown: Card) -> list[str]:
    return (shown.detail or "").splitlines()


def test_cauda_equina_asks_for_immediate_referral_and_mri_within_4_hours() -> None:
    chart = Chart(
        [
            found(F.SCIATICA, ref="Condition/sciatica"),
            found(F.SADDLE_NUMBNESS, ref="Observation/saddle"),
        ]
    )
    shown = card(chart, "cauda-equina")
    assert shown.summary == (
        "Possible cauda equina syndrome (saddle numbness): refer to hospital now, MRI within 4 h"
    )
    assert lines(shown) == [
        "Possible cauda equina syndrome: in the community refer immediately to hospital, to be "
        "seen within hours; in hospital, emergency MRI within 4 h of request (BMJ Best Practice).",
        "",
        "**Findings**",
        "",
        "- saddle numbness: Observation/saddle (2026-11-25)",
        "",
        "- Recent (< 14 days) onset or worsening of these with back or leg pain: refer "
        "immediately to hospital; emergency lumbosacral MRI within 4 h of request (BMJ Best "
        "Practice).",
        "- A post-void residual ≥ 200 mL makes CES more likely; a lower one does not exclude it.",
        "",
        RED_FLAGS_FIRST,
    ]


def compartment(*findings: Feature) -> Chart:
    return Chart([calf_pain(), *findings])


RECORDED = found(F.COMPARTMENT_SYNDROME, ref="Condition/cs")
FRACTURE = found(F.RECENT_FRACTURE_OR_CRUSH, ref="Condition/fracture")
PAIN = found(F.PAIN_OUT_OF_PROPORTION, ref="Observation/pain")


def test_compartment_syndrome_card_says_not_to_wait_for_late_signs() -> None:
    shown = card(compartment(RECORDED, FRACTURE, PAIN), "compartment-syndrome")
    assert lines(shown) == [
        "Possible acute compartment syndrome: emergency orthopaedic assessment and compartment "
        "pressure measurement now.",
        "",
        "**Findings**",
        "",
        "- compartment syndrome recorded: Condition/cs (2026-11-25)",
        "- recent fracture, crush injury or tight cast: Condition/fracture (2026-11-25)",
        "- pain out of proportion / on passive stretch: Observation/pain (2026-11-25)",
        "",
        "- Pain out of proportion and pain on passive stretch are the earliest signs; "
        "paraesthesia is an early warning. Do not wait for pallor, paralysis or pulselessness: "
        "palpable pulses do not exclude it (BOAST).",
        "- Best outcomes with fasciotomy within 6 h; damage is irreversible after about 8 h.",
        "- Never suggest physiotherapy for this picture.",
        "- DVT is also possible after a fracture or immobilisation: the assessing team should "
        "apply the Wells / ultrasound pathway (a D-dimer is non-specific here).",
        "",
        RED_FLAGS_FIRST,
    ]


def support(chart: Chart) -> int:
    ctx = Context(chart.feature_set(), Settings(), "patient-view", "hook-instance")
    assert compartment_syndrome.RULE.support is not None
    return compartment_syndrome.RULE.support(ctx)


def test_a_recorded_compartment_syndrome_keeps_its_place_beside_the_injury_and_its_signs() -> None:
    """The recorded syndrome, the fracture and the pain are three findings; with calf pain and
    tingling on the injured leg instead of the pain, the tingling picture adds to the record."""
    assert support(compartment(RECORDED, FRACTURE, PAIN)) == 3
    tingling = found(F.RADICULAR_SYMPTOMS, ref="Observation/tingling")
    assert support(compartment(RECORDED, FRACTURE, tingling)) == 4


def temperature(celsius: float) -> Feature:
    return measured(F.TEMPERATURE, celsius, "Cel")


def vital(name: str, value: float, unit: str, ref: str) -> Feature:
    """A vital sign measured an hour ago, cited as ``Observation/<ref>``."""
    return found(name, quantity=Quantity(value, unit), ref=f"Observation/{ref}", ago=HOUR)


NOT_READ = (
    "- Not read by this service: blood pressure, level of consciousness, urine output and the "
    "skin (mottling, cyanosis, a non-blanching rash). Check them: a NEWS2 of 5 or more, or any "
    "single red parameter, means urgent assessment for sepsis (RCP NEWS2, NICE NG51)."
)
INFECTION = (
    "- Assess today for infection: cellulitis, necrotising fasciitis (pain out of proportion, "
    "rapid spread, systemic upset: emergency), septic arthritis, an infected haematoma "
    "(BMJ Best Practice: DVT; NICE CKS: cellulitis)."
)
NO_SELF_CARE = "- No RICE, cramp self-care or physiotherapy while the fever is unexplained."
FEVER_SOURCES = (
    "Sources: [NICE NG51: suspected sepsis](https://www.nice.org.uk/guidance/ng51); "
    "[NICE CKS: cellulitis](https://cks.nice.org.uk/topics/cellulitis-acute/)"
)


def test_fever_after_dvt_was_made_unlikely_asks_to_reassess_if_the_leg_swells() -> None:
    chart = Chart(
        [found(F.CALF_PAIN, ref="Observation/pain"), vital(F.TEMPERATURE, 38.4, "Cel", "t")],
        ddimers=[ddimer(300)],
    )
    shown = card(chart, "fever-red-flag")
    assert shown.indicator == "warning"
    assert shown.summary == (
        "Fever (38.4 °C) with a leg complaint: same-day assessment for infection; fever does not "
        "exclude DVT"
    )
    assert lines(shown) == [
        "Fever with a leg complaint: same-day clinical assessment for infection.",
        "",
        "**Findings**",
        "",
        "- temperature: Observation/t (2026-11-25)",
        "- calf pain: Observation/pain (2026-11-25)",
        "",
        INFECTION,
        "- DVT was made unlikely by the NICE NG158 pathway before this fever; fever does not "
        "exclude DVT (cellulitis and DVT coexist): reassess if the leg swells (BMJ Best Practice: "
        "DVT).",
        NO_SELF_CARE,
        NOT_READ,
        "",
        FEVER_SOURCES,
    ]
    assert [(link.label, link.url) for link in shown.links or []] == [
        ("NICE NG51: suspected sepsis", "https://www.nice.org.uk/guidance/ng51")
    ]


def test_coded_fever_with_a_red_parameter_and_sciatica_is_sepsis_and_spinal_infection() -> None:
    chart = Chart(
        [
            found(F.CALF_PAIN, ref="Observation/pain"),
            found(F.FEVER, ref="Condition/fever"),
            vital(F.RESPIRATORY_RATE, 25, "/min", "rr"),
            found(F.SCIATICA, ref="Condition/sciatica"),
            found(F.REDNESS, ref="Observation/red"),
        ],
        age=15,
    )
    shown = card(chart, "fever-red-flag")
    assert shown.indicator == "critical"
    assert shown.summary == (
        "Fever with possible sepsis (recorded by a clinician, respiratory rate 25/min) and a leg "
        "complaint: emergency assessment now"
    )
    assert lines(shown) == [
        "Fever with a NEWS2 red parameter and a leg complaint: treat as possible sepsis and "
        "assess as an emergency now (RCP NEWS2, NICE NG51).",
        "",
        "**Findings**",
        "",
        "- fever: Condition/fever (2026-11-25)",
        "- respiratory rate: Observation/rr (2026-11-25)",
        "- calf pain: Observation/pain (2026-11-25)",
        "- sciatica: Condition/sciatica (2026-11-25)",
        "- redness: Observation/red (2026-11-25)",
        "",
        INFECTION,
        "- Fever with back pain and sciatica is a red flag for spinal infection (discitis, "
        "epidural abscess): same-day assessment; no physiotherapy until it is excluded (NICE CKS: "
        "sciatica).",
        "- Fever does not exclude DVT: cellulitis and DVT coexist. Complete the NICE NG158 DVT "
        "assessment as well (BMJ Best Practice: DVT).",
        NO_SELF_CARE,
        "- NEWS2 is scored from age 16: at 15, assess for sepsis with a paediatric tool.",
        NOT_READ,
        "",
        FEVER_SOURCES,
    ]


def test_a_measured_temperature_is_named_before_a_coded_fever() -> None:
    chart = Chart([calf_pain(), temperature(38.0), found(F.FEVER, ref="Condition/fever")])
    assert card(chart, "fever-red-flag").summary.startswith("Fever (38.0 °C) with a leg")
