"""Red-flag gates: findings that need emergency care whatever any score says (CLINICAL.md §1.5,
§1.6, §1.10). Each gate is a small pure rule returning a ``RedFlag`` or None; the engine turns
them into `critical` cards before anything else runs.

- PE: breathlessness, chest pain, haemoptysis, syncope, heart rate > 100 or SpO2 < 95%, together
  with current leg symptoms or a suspected/confirmed DVT (S12a-d, S13e).
- Cauda equina: saddle numbness, bladder/bowel disturbance or bilateral leg neurological symptoms
  (or a recorded CES) with leg or back pain (S14a, S14b).
- Compartment syndrome: a recorded compartment syndrome, or a recent fracture / crush / tight cast
  plus pain out of proportion or on passive stretch (S15a-c). Pulses do not exclude it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cards.topics import Topic
from cds.triage.features_view import (
    DVT_TRIGGERS,
    dvt_triggers,
    is_recent,
    readable,
    recent_present,
    short,
    sides,
)
from cds.triage.thresholds import (
    CES_MRI_WITHIN_HOURS,
    CES_RECENT_DAYS,
    FASCIOTOMY_BEST_WITHIN_HOURS,
    HEART_RATE_HIGH_PER_MIN,
    MUSCLE_DAMAGE_IRREVERSIBLE_HOURS,
    SPO2_LOW_PERCENT,
    VITALS_RECENT_HOURS,
    WELLS_PE_POINTS,
)
from fhir_mappings.features import Feature, FeatureName, FeatureSet

PE_SYMPTOMS = (
    FeatureName.DYSPNOEA,
    FeatureName.CHEST_PAIN,
    FeatureName.HAEMOPTYSIS,
    FeatureName.SYNCOPE,
)
CES_FEATURES = (
    FeatureName.SADDLE_NUMBNESS,
    FeatureName.BLADDER_BOWEL_DISTURBANCE,
    FeatureName.BILATERAL_LEG_NEURO,
    FeatureName.CAUDA_EQUINA,
)


@dataclass(frozen=True, slots=True)
class RedFlag:
    topic: Topic
    signs: tuple[str, ...]  # short words for the summary ("breathlessness", "HR 112/min")
    features: tuple[Feature, ...]  # the evidence
    notes: tuple[str, ...] = field(default=())
    setting: str = ""  # PE only: "leg symptoms" or "known DVT"


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


@dataclass(frozen=True)
class PulmonaryEmbolismGate:
    days: int
    requires: frozenset[str] = frozenset(
        {
            *PE_SYMPTOMS,
            FeatureName.HEART_RATE,
            FeatureName.SPO2,
            FeatureName.CURRENT_DVT,
            FeatureName.PREVIOUS_PE,
            *DVT_TRIGGERS,
        }
    )

    def evaluate(
        self, fs: FeatureSet, *, triggers: Sequence[Feature] | None = None
    ) -> RedFlag | None:
        """``triggers``: ``dvt_triggers(fs, days)`` when the caller already has them."""
        symptoms = recent_present(fs, PE_SYMPTOMS, self.days)
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
        if (
            spo2 is not None
            and spo2.quantity is not None
            and spo2.quantity.value < SPO2_LOW_PERCENT
        ):
            signs.append(f"SpO2 {spo2.quantity.value:g}%")
            found.append(spo2)
        if not signs:
            return None
        legs = dvt_triggers(fs, self.days) if triggers is None else list(triggers)
        dvt = fs.get(FeatureName.CURRENT_DVT)
        if not legs and not dvt.present:
            return None
        score = wells_pe_minimum(fs, tachycardia)
        notes = (
            f"Documented Wells PE items add up to {score:g} (PE likely > 4); the item "
            "'PE the most likely diagnosis' (+3) is a clinician judgement not scored here.",
            "A patient with unilateral leg swelling can never be PERC-negative (S13e).",
        )
        setting = "leg symptoms" if legs else "known DVT"
        return RedFlag(Topic.PE_EMERGENCY, tuple(signs), (*found, *legs, dvt), notes, setting)


@dataclass(frozen=True)
class CaudaEquinaGate:
    days: int
    requires: frozenset[str] = frozenset(
        {*CES_FEATURES, FeatureName.SCIATICA, FeatureName.RADICULAR_SYMPTOMS}
    )

    def evaluate(self, fs: FeatureSet) -> RedFlag | None:
        found = recent_present(fs, CES_FEATURES, self.days)
        if not found:
            return None
        return RedFlag(
            Topic.CAUDA_EQUINA,
            tuple(short(f.name) for f in found),
            tuple(found),
            (
                f"Recent (< {CES_RECENT_DAYS} days) onset or worsening of these with back or leg "
                "pain: refer immediately to hospital; emergency lumbosacral MRI within "
                f"{CES_MRI_WITHIN_HOURS} h of request (S14a).",
                "A post-void residual ≥ 200 mL makes CES more likely; a lower one does not "
                "exclude it.",
            ),
        )


@dataclass(frozen=True)
class CompartmentSyndromeGate:
    """Recorded compartment syndrome, or a recent fracture / crush / tight cast with either pain
    out of proportion (or on passive stretch), or calf pain with paraesthesia in the same leg.

    The second limb is our conservative reading of S15a-c: paraesthesia is an early warning sign
    and the late signs must not be waited for; a fracture with calf pain and tingling is treated
    as the compartment-syndrome picture until a clinician has examined the compartment.
    """

    days: int
    requires: frozenset[str] = frozenset(
        {
            FeatureName.COMPARTMENT_SYNDROME,
            FeatureName.RECENT_FRACTURE_OR_CRUSH,
            FeatureName.PAIN_OUT_OF_PROPORTION,
            FeatureName.RADICULAR_SYMPTOMS,
            FeatureName.CALF_PAIN,
        }
    )

    def evaluate(self, fs: FeatureSet) -> RedFlag | None:
        recorded = recent_present(fs, [FeatureName.COMPARTMENT_SYNDROME], self.days)
        injury = recent_present(fs, [FeatureName.RECENT_FRACTURE_OR_CRUSH], self.days)
        found: list[Feature] = list(recorded)
        if injury:
            pain = recent_present(fs, [FeatureName.PAIN_OUT_OF_PROPORTION], self.days)
            tingling = [
                f
                for f in recent_present(
                    fs, [FeatureName.RADICULAR_SYMPTOMS, FeatureName.CALF_PAIN], self.days
                )
                if sides(f) & sides(injury[0])
            ]
            if pain:
                found += [*injury, *pain]
            elif len(tingling) == 2:  # calf pain and paraesthesia on the injured leg
                found += [*injury, *tingling]
        if not found:
            return None
        return RedFlag(
            Topic.COMPARTMENT_SYNDROME,
            tuple(dict.fromkeys(short(f.name) for f in found)),
            tuple(found),
            (
                "Pain out of proportion and pain on passive stretch are the earliest signs; "
                "paraesthesia is an early warning. Do not wait for pallor, paralysis or "
                "pulselessness: palpable pulses do not exclude it (S15a-c).",
                f"Best outcomes with fasciotomy within {FASCIOTOMY_BEST_WITHIN_HOURS} h; damage is "
                f"irreversible after about {MUSCLE_DAMAGE_IRREVERSIBLE_HOURS} h.",
                "Never suggest physiotherapy for this picture.",
                "DVT is also possible after a fracture or immobilisation: the assessing team "
                "should apply the Wells / ultrasound pathway (a D-dimer is non-specific here).",
            ),
        )
