"""Red flag: fever with a leg complaint (docs/clinical-basis.md §1.11).

A body temperature at or above ``FEVER_MIN_CEL`` within the vital-sign window, or a current coded
fever, together with a current leg complaint, needs same-day assessment for infection
(cellulitis, necrotising fasciitis, septic arthritis, an infected haematoma; S16a, S29). Fever
does not exclude DVT: cellulitis and DVT coexist, so the NG158 DVT card still shows beside this
one. With a NEWS2 red parameter the service can read (respiratory rate, oxygen saturation, heart
rate; S24, S25) the card is `critical` for possible sepsis. Being a red flag, it silences the
self-care, cramp, sciatica and physiotherapy guidance; fever with sciatica is a spinal-infection
red flag, and the card says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cards import markdown as md
from cards.models import Card, Link
from cards.topics import Topic
from cds.triage import pathway
from cds.triage.context import Context
from cds.triage.features_view import (
    LEG_COMPLAINT_READS,
    current_vital,
    feature_evidence,
    readable,
    recent_present,
)
from cds.triage.override_reasons import ALREADY_REFERRED, NOT_APPLICABLE, PATIENT_DECLINED
from cds.triage.red_flag import fitted_summary
from cds.triage.rule import Rule
from cds.triage.thresholds import (
    FEVER_MIN_CEL,
    NEWS2_MIN_AGE,
    SEPSIS_HEART_RATE_MIN_PER_MIN,
    SEPSIS_RESPIRATORY_RATE_MIN_PER_MIN,
    SEPSIS_SPO2_MAX_PERCENT,
)
from fhir_mappings.features import Feature, FeatureName, FeatureSet

TOPIC: Final = Topic(
    "fever-red-flag",
    "Fever with a painful leg: same-day assessment for infection",
    "NEWS2 (RCP), NICE NG51 sepsis",
)
OVERRIDE_REASONS: Final = (ALREADY_REFERRED, NOT_APPLICABLE, PATIENT_DECLINED)
NG51: Final = "https://www.nice.org.uk/guidance/ng51"
CELLULITIS: Final = "https://cks.nice.org.uk/topics/cellulitis-acute/"
SPINE: Final = (FeatureName.SCIATICA, FeatureName.RADICULAR_SYMPTOMS)
# Signs of a hot, red leg, listed with the findings when documented.
INFLAMED: Final = (FeatureName.REDNESS, FeatureName.WARMTH)
READS: Final = frozenset(
    {
        FeatureName.FEVER,
        FeatureName.TEMPERATURE,
        FeatureName.RESPIRATORY_RATE,
        FeatureName.SPO2,
        FeatureName.HEART_RATE,
        *SPINE,
        *INFLAMED,
        *LEG_COMPLAINT_READS,
        *pathway.READS,
    }
)
UNREAD: Final = (
    "Not read by this service: blood pressure, level of consciousness, urine output and the "
    "skin (mottling, cyanosis, a non-blanching rash). Check them: a NEWS2 of 5 or more, or any "
    "single red parameter, means urgent assessment for sepsis (RCP NEWS2, NICE NG51)."
)


def fever(ctx: Context) -> tuple[list[Feature], list[str]]:
    """The evidence of fever (a coded fever, a temperature at or above the threshold)."""
    found: list[Feature] = []
    signs: list[str] = []
    temperature = current_vital(ctx.fs, FeatureName.TEMPERATURE)
    if temperature is not None and temperature.quantity is not None:
        value = temperature.quantity.value
        if temperature.quantity.unit == "Cel" and value >= FEVER_MIN_CEL:
            found.append(temperature)
            signs.append(f"{value:.1f} °C")
    coded = recent_present(ctx.fs, [FeatureName.FEVER], ctx.settings.episode_days)
    if coded:
        found.append(coded[0])
        if not signs:
            signs.append("recorded by a clinician")
    return found, signs


def red_parameters(fs: FeatureSet) -> tuple[list[Feature], list[str]]:
    """NEWS2 red values among the observations the service reads."""
    found: list[Feature] = []
    signs: list[str] = []
    for name in (FeatureName.RESPIRATORY_RATE, FeatureName.SPO2, FeatureName.HEART_RATE):
        vital = current_vital(fs, name)
        if vital is None or vital.quantity is None:
            continue
        value = vital.quantity.value
        if name == FeatureName.RESPIRATORY_RATE and value >= SEPSIS_RESPIRATORY_RATE_MIN_PER_MIN:
            signs.append(f"respiratory rate {value:g}/min")
        elif name == FeatureName.SPO2 and value <= SEPSIS_SPO2_MAX_PERCENT:
            signs.append(f"SpO2 {value:g}%")
        elif name == FeatureName.HEART_RATE and value >= SEPSIS_HEART_RATE_MIN_PER_MIN:
            signs.append(f"heart rate {value:g}/min")
        else:
            continue
        found.append(vital)
    return found, signs


def warning_summary(signs: str) -> str:
    return (
        f"Fever ({signs}) with a leg complaint: same-day assessment for infection; "
        "fever does not exclude DVT"
    )


def critical_summary(signs: str) -> str:
    return f"Fever with possible sepsis ({signs}) and a leg complaint: emergency assessment now"


def cards(ctx: Context) -> Iterable[Card | None]:
    legs = ctx.leg_complaints
    if not legs:
        return []
    found, signs = fever(ctx)
    if not found:
        return []
    red, red_signs = red_parameters(ctx.fs)
    spine = recent_present(ctx.fs, SPINE, ctx.settings.episode_days)
    inflamed = recent_present(ctx.fs, INFLAMED, ctx.settings.episode_days)
    lines = [f"{readable(f.name)}: {feature_evidence(f)}" for f in (*found, *red, *legs, *inflamed)]
    if ctx.dvt.excluded:
        dvt = (
            "DVT was made unlikely by the NICE NG158 pathway before this fever; fever does not "
            "exclude DVT (cellulitis and DVT coexist): reassess if the leg swells "
            "(BMJ Best Practice: DVT)."
        )
    else:
        dvt = (
            "Fever does not exclude DVT: cellulitis and DVT coexist. Complete the NICE NG158 DVT "
            "assessment as well (BMJ Best Practice: DVT)."
        )
    notes = [
        "Assess today for infection: cellulitis, necrotising fasciitis (pain out of proportion, "
        "rapid spread, systemic upset: emergency), septic arthritis, an infected haematoma "
        "(BMJ Best Practice: DVT; NICE CKS: cellulitis).",
        dvt,
        "No RICE, cramp self-care or physiotherapy while the fever is unexplained.",
    ]
    if spine:  # S33
        notes.insert(
            1,
            "Fever with back pain and sciatica is a red flag for spinal infection (discitis, "
            "epidural abscess): same-day assessment; no physiotherapy until it is excluded "
            "(NICE CKS: sciatica).",
        )
    if red:
        intro = (
            "Fever with a NEWS2 red parameter and a leg complaint: treat as possible sepsis and "
            "assess as an emergency now (RCP NEWS2, NICE NG51)."
        )
        summary = fitted_summary(critical_summary, [*signs, *red_signs])
    else:
        intro = "Fever with a leg complaint: same-day clinical assessment for infection."
        summary = fitted_summary(warning_summary, signs)
    age = ctx.fs.age_years
    if age is not None and age < NEWS2_MIN_AGE:
        notes.append(
            f"NEWS2 is scored from age {NEWS2_MIN_AGE}: at {age}, assess for sepsis with a "
            "paediatric tool."
        )
    detail = md.join_sections(
        intro,
        md.section("Findings", md.bullets(lines)),
        md.bullets([*notes, UNREAD]),
        md.sources([("NICE NG51: suspected sepsis", NG51), ("NICE CKS: cellulitis", CELLULITIS)]),
    )
    return [
        ctx.card(
            topic=TOPIC,
            indicator="critical" if red else "warning",
            summary=summary,
            detail=detail,
            override_reasons=OVERRIDE_REASONS,
            links=[Link(label="NICE NG51: suspected sepsis", url=NG51, type="absolute")],
        )
    ]


RULE: Final = Rule(
    name="fever-red-flag", kind="red-flag", topics=(TOPIC,), reads=READS, cards=cards
)
