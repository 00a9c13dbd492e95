"""Red flag: possible pulmonary embolism (docs/clinical-basis.md §1.5).

Breathlessness, chest pain, haemoptysis, syncope, heart rate > 100/min or SpO2 < 95%, together
with current leg symptoms or a suspected/confirmed DVT (S12a-d, S13e), needs emergency
assessment whatever any score says. The card shows the documented Wells PE items for information.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cards.models import Card
from cards.topics import Topic
from cds.triage.context import Context
from cds.triage.features_view import DVT_TRIGGER_READS, is_recent, readable, recent_present
from cds.triage.override_reasons import ALREADY_REFERRED, NOT_APPLICABLE, PATIENT_DECLINED
from cds.triage.red_flag import RedFlag, fitted_summary, red_flag_card
from cds.triage.rule import Rule
from cds.triage.thresholds import (
    HEART_RATE_HIGH_PER_MIN,
    SPO2_LOW_PERCENT,
    VITALS_RECENT_HOURS,
    WELLS_PE_POINTS,
)
from fhir_mappings.features import Feature, FeatureName, FeatureSet

TOPIC: Final = Topic("pe-emergency", "Possible pulmonary embolism: emergency assessment")
OVERRIDE_REASONS: Final = (ALREADY_REFERRED, NOT_APPLICABLE, PATIENT_DECLINED)
LINK: Final = (
    "NICE NG158: suspected PE",
    "https://www.nice.org.uk/guidance/ng158/chapter/Recommendations",
)
INTRO: Final = (
    "Signs of pulmonary embolism with leg symptoms or a suspected/confirmed DVT: assess as an "
    "emergency now (same-day hospital assessment; NICE NG158 PE pathway)."
)

PE_SYMPTOMS: Final = (
    FeatureName.DYSPNOEA,
    FeatureName.CHEST_PAIN,
    FeatureName.HAEMOPTYSIS,
    FeatureName.SYNCOPE,
)
# The documented Wells PE items (S12a-d) the card adds up.
WELLS_PE_READS: Final = frozenset(
    {
        FeatureName.LEG_SWELLING,
        FeatureName.DEEP_VEIN_TENDERNESS,
        FeatureName.BEDRIDDEN,
        FeatureName.RECENT_MAJOR_SURGERY,
        FeatureName.PREVIOUS_DVT,
        FeatureName.PREVIOUS_PE,
        FeatureName.HAEMOPTYSIS,
        FeatureName.ACTIVE_CANCER,
    }
)
READS: Final = frozenset(
    {
        *PE_SYMPTOMS,
        FeatureName.HEART_RATE,
        FeatureName.SPO2,
        FeatureName.CURRENT_DVT,
        *DVT_TRIGGER_READS,
        *WELLS_PE_READS,
    }
)


def summary(signs: str, setting: str) -> str:
    return f"Possible pulmonary embolism ({setting} with {signs}): emergency assessment now"


def _vital(fs: FeatureSet, name: str) -> Feature | None:
    """The current measurement (within VITALS_RECENT_HOURS), or None."""
    feature = fs.get(name)
    if feature.quantity is None or not is_recent(feature, fs.now, VITALS_RECENT_HOURS / 24):
        return None
    return feature


def wells_pe_minimum(fs: FeatureSet, tachycardia: bool) -> float:
    """Documented Wells PE points (the "PE most likely" item is a clinician judgement, not here)."""
    points = 0.0
    if (
        fs.get(FeatureName.LEG_SWELLING).present
        and fs.get(FeatureName.DEEP_VEIN_TENDERNESS).present
    ):
        points += WELLS_PE_POINTS["dvt_signs"]
    if tachycardia:
        points += WELLS_PE_POINTS["heart_rate"]
    if fs.get(FeatureName.BEDRIDDEN).present or fs.get(FeatureName.RECENT_MAJOR_SURGERY).present:
        points += WELLS_PE_POINTS["immobilisation_or_surgery"]
    if fs.get(FeatureName.PREVIOUS_DVT).present or fs.get(FeatureName.PREVIOUS_PE).present:
        points += WELLS_PE_POINTS["previous_vte"]
    if fs.get(FeatureName.HAEMOPTYSIS).present:
        points += WELLS_PE_POINTS["haemoptysis"]
    if fs.get(FeatureName.ACTIVE_CANCER).present:
        points += WELLS_PE_POINTS["malignancy"]
    return points


def cards(ctx: Context) -> Iterable[Card | None]:
    fs = ctx.fs
    symptoms = recent_present(fs, PE_SYMPTOMS, ctx.settings.episode_days)
    signs = [readable(f.name) for f in symptoms]
    found = list(symptoms)
    heart = _vital(fs, FeatureName.HEART_RATE)
    tachycardia = (
        heart is not None
        and heart.quantity is not None
        and (heart.quantity.value > HEART_RATE_HIGH_PER_MIN)
    )
    if tachycardia and heart is not None and heart.quantity is not None:
        signs.append(f"heart rate {heart.quantity.value:g}/min")
        found.append(heart)
    spo2 = _vital(fs, FeatureName.SPO2)
    if spo2 is not None and spo2.quantity is not None and spo2.quantity.value < SPO2_LOW_PERCENT:
        signs.append(f"SpO2 {spo2.quantity.value:g}%")
        found.append(spo2)
    if not signs:
        return []
    legs = ctx.dvt_triggers
    dvt = fs.get(FeatureName.CURRENT_DVT)
    if not legs and not dvt.present:
        return []
    score = wells_pe_minimum(fs, tachycardia)
    notes = (
        f"Documented Wells PE items add up to {score:g} (PE likely > 4); the item "
        "'PE the most likely diagnosis' (+3) is a clinician judgement not scored here.",
        "A patient with unilateral leg swelling can never be PERC-negative (S13e).",
    )
    setting = "leg symptoms" if legs else "known DVT"
    flag = RedFlag(tuple(signs), (*found, *legs, dvt), notes)
    return [
        red_flag_card(
            ctx,
            flag,
            topic=TOPIC,
            summary=fitted_summary(lambda text: summary(text, setting), flag.signs),
            intro=INTRO,
            link=LINK,
            override_reasons=OVERRIDE_REASONS,
        )
    ]


RULE: Final = Rule(
    name="pulmonary-embolism", kind="red-flag", topics=(TOPIC,), reads=READS, cards=cards
)
