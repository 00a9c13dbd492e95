"""Where the patient stands on the NICE NG158 DVT pathway (docs/clinical-basis.md §1.3), as
pure data.

The pathway answers three questions the rest of the triage depends on:
- is DVT a possibility now (a current leg trigger)?
- is it excluded (Wells decisively unlikely AND a final negative D-dimer that counts)?
- what is the next test (ultrasound, D-dimer, or none yet: documenting the missing Wells criteria,
  or the final result of a preliminary negative D-dimer)?

Pregnancy/postpartum and age < 18 are outside NG158 (S3b): no Wells decision is made there.
Under 18, DVT counts as suspected only with a leg sign, a VTE risk factor, or an examination that
was not documented (§1.13): calf pain after sport with a normal examination is not a DVT question,
and the musculoskeletal guidance may follow. A confirmed current DVT or PE (a known clot, §1.14)
needs no diagnostic pathway, but DVT is then obviously not excluded.
Sudden severe unilateral swelling or throbbing pain unchanged by rest (source article red
flags, §1.5) sends the patient for same-day assessment whatever the score.

Decision table (Wells as a range: documented minimum .. possible maximum, see ``wells``):

| Wells range | D-dimer that counts | Card (topic) | Next test |
|---|---|---|---|
| min >= 2 (likely) | none | dvt-likely | ultrasound within 4 h (D-dimer if scan delayed) |
| min >= 2, anticoagulated | none | dvt-likely | ultrasound within 4 h, no D-dimer |
| min >= 2 (likely) | any result | dvt-likely | ultrasound within 4 h, no new D-dimer |
| max <= 1 (unlikely) | none | dvt-ddimer | D-dimer within 4 h |
| max <= 1 | positive | dvt-ddimer | ultrasound within 4 h |
| max <= 1 | final negative | none: DVT excluded, MSK guidance may follow | — |
| straddles 2 (min <= 1 < max) | none | dvt-ddimer "Wells a–b so far" | D-dimer; scan if >= 2 |
| straddles 2 | positive | dvt-ddimer | ultrasound within 4 h |
| straddles 2 | final negative | dvt-ddimer "document the criteria" | none until documented |
| min <= 1 | preliminary negative | dvt-ddimer "await the final result" | none, no new D-dimer |

A straddling range is never "excluded": if the undocumented criteria turn out present, NG158
sends the patient to ultrasound whatever the D-dimer, so physiotherapy, massage and compression
stay blocked. On anticoagulation (started, or current without a start time) a new D-dimer
cannot rule DVT out, nor can a negative one that may have been taken on it, so the next test is
the ultrasound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cds.settings import Settings
from cds.triage.ddimer import READS as DDIMER_READS
from cds.triage.ddimer import DDimerAssessment, assess
from cds.triage.features_view import (
    DVT_TRIGGER_READS,
    after,
    calf_difference_cm,
    recent_present,
)
from cds.triage.order_codes import OrderKind
from cds.triage.thresholds import (
    CALF_DIFFERENCE_CM,
    NG158_MIN_AGE,
    PREGNANCY_REMINDER_MAX_AGE,
)
from cds.triage.wells import READS as WELLS_READS
from cds.triage.wells import score_wells
from cds.triage.wells_result import WellsResult
from fhir_mappings.features import Certainty, Feature, FeatureName, FeatureSet

NG158_SOURCES: Final = (
    ("NICE NG158", "https://www.nice.org.uk/guidance/ng158/chapter/Recommendations"),
    ("NICE QS201 statement 3", "https://www.nice.org.uk/guidance/qs201"),
)
URGENT_LEG_FLAGS: Final = (FeatureName.SUDDEN_SEVERE_SWELLING, FeatureName.THROBBING_PAIN_AT_REST)
# Under 18 (docs/clinical-basis.md §1.13): leg signs of DVT, the examination items that must be
# documented before DVT can be called "not suspected", and the VTE risk factors on record.
CHILD_LEG_SIGNS: Final = (
    FeatureName.LEG_SWELLING,
    FeatureName.ENTIRE_LEG_SWOLLEN,
    FeatureName.PITTING_OEDEMA,
    FeatureName.DEEP_VEIN_TENDERNESS,
    FeatureName.COLLATERAL_VEINS,
    *URGENT_LEG_FLAGS,
)
CHILD_EXAMINATION: Final = (
    FeatureName.DEEP_VEIN_TENDERNESS,
    FeatureName.LEG_SWELLING,
    FeatureName.PITTING_OEDEMA,
)
CHILD_RISK_FACTORS: Final = (
    FeatureName.ACTIVE_CANCER,
    FeatureName.PARALYSIS_OR_PLASTER,
    FeatureName.BEDRIDDEN,
    FeatureName.RECENT_MAJOR_SURGERY,
    FeatureName.PREVIOUS_DVT,
    FeatureName.PREVIOUS_PE,
    FeatureName.HORMONAL_CONTRACEPTION,
    FeatureName.PREGNANCY,
    FeatureName.CURRENT_DVT,
)


@dataclass(frozen=True, slots=True)
class ChildGrounds:
    """Under 18, what makes DVT suspected: leg signs (a calf at least 3 cm larger among them),
    VTE risk factors on record, and examination items nobody documented (unknown is not
    normal)."""

    age: int
    signs: tuple[Feature, ...]
    risk_factors: tuple[Feature, ...]
    undocumented: tuple[str, ...]  # feature names

    @property
    def suspected(self) -> bool:
        return bool(self.signs or self.risk_factors or self.undocumented)

    @property
    def examination_only(self) -> bool:
        """Suspected only because the examination is not documented yet."""
        return self.suspected and not (self.signs or self.risk_factors)


@dataclass(frozen=True, slots=True)
class DvtStatus:
    triggers: tuple[Feature, ...]  # current leg findings that make DVT a possibility
    outside_reasons: tuple[str, ...]  # "pregnancy" | "age" when outside NG158
    known_dvt: Feature | None  # a confirmed current DVT
    wells: WellsResult | None
    ddimer: DDimerAssessment | None
    urgent_flags: tuple[Feature, ...]  # sudden severe swelling / throbbing pain at rest
    pregnancy_unknown: bool = False
    anticoagulated: bool = False  # a D-dimer taken now would read falsely low (S3)
    # Under 18 without a leg sign or risk factor: why DVT is not suspected (no triggers then).
    not_suspected: str = ""
    known_pe: Feature | None = None  # a confirmed current PE
    child: ChildGrounds | None = None  # under 18 with a leg complaint: why DVT is suspected

    @property
    def known_clot(self) -> Feature | None:
        """A confirmed current DVT or PE: a known diagnosis, not one to work up again."""
        return self.known_dvt or self.known_pe

    @property
    def triggered(self) -> bool:
        return bool(self.triggers)

    @property
    def in_pathway(self) -> bool:
        return self.triggered and not self.outside_reasons and self.known_clot is None

    @property
    def excluded(self) -> bool:
        """DVT made unlikely by NG158: Wells decisively <= 1 and a final negative D-dimer."""
        return (
            self.in_pathway
            and not self.urgent_flags
            and self.wells is not None
            and self.wells.decision == "unlikely"
            and self.ddimer is not None
            and self.ddimer.rules_out
        )

    @property
    def not_excluded(self) -> bool:
        """DVT is a live possibility (physiotherapy, massage, compression must wait)."""
        return self.known_clot is not None or (self.triggered and not self.excluded)

    @property
    def next_test(self) -> OrderKind | None:
        """The test NG158 asks for next, or None (outside pathway, known DVT, or excluded)."""
        if not self.in_pathway or self.wells is None or self.ddimer is None or self.excluded:
            return None
        if self.urgent_flags or self.wells.decision == "likely" or self.ddimer.positive:
            return OrderKind.ULTRASOUND
        if self.anticoagulated and not self.ddimer.rules_out:
            # On anticoagulation a new D-dimer, or a negative one that may have been taken on
            # it, cannot rule DVT out: image instead.
            return OrderKind.ULTRASOUND
        if self.ddimer.status == "none":
            return OrderKind.DDIMER
        # A preliminary negative awaits its final result (the test is done), and undetermined
        # Wells with a negative D-dimer waits for the criteria to be documented.
        return None

    @property
    def awaiting_final_ddimer(self) -> bool:
        """No test is due because the D-dimer that counts is a preliminary negative: the final
        result decides, not a new D-dimer."""
        return (
            self.next_test is None
            and self.ddimer is not None
            and self.ddimer.status == "negative-preliminary"
        )


# What ``assess_dvt`` reads; a rule that uses ``Context.dvt`` reads these too.
READS: Final = frozenset(
    {
        *WELLS_READS,
        *DDIMER_READS,
        *DVT_TRIGGER_READS,
        *URGENT_LEG_FLAGS,
        FeatureName.PREGNANCY,
        FeatureName.CURRENT_DVT,
        FeatureName.CURRENT_PE,
        FeatureName.ANTICOAGULANT,
        *CHILD_LEG_SIGNS,
        *CHILD_RISK_FACTORS,
        "age_years",
        "sex",
        "anticoagulation_started",
    }
)


def assess_dvt(fs: FeatureSet, settings: Settings, triggers: Sequence[Feature]) -> DvtStatus:
    """Triggers (``dvt_triggers(fs, settings.episode_days)``), scope, Wells and the D-dimer."""
    outside: list[str] = []
    not_suspected = ""
    child: ChildGrounds | None = None
    if fs.get(FeatureName.PREGNANCY).present:
        outside.append("pregnancy")
    if fs.age_years is not None and fs.age_years < NG158_MIN_AGE and triggers:
        child = child_grounds(fs, fs.age_years, settings.episode_days)
        if child.suspected:
            outside.append("age")
        else:
            not_suspected = (
                f"DVT not suspected: age {fs.age_years}, examination without a leg sign of DVT "
                "and no VTE risk factor on record (NICE NG158 covers adults from "
                f"{NG158_MIN_AGE})."
            )
            triggers = ()
    known = confirmed(fs.get(FeatureName.CURRENT_DVT))
    known_pe = confirmed(fs.get(FeatureName.CURRENT_PE))
    urgent = tuple(recent_present(fs, URGENT_LEG_FLAGS, settings.episode_days))
    wells: WellsResult | None = None
    ddimer: DDimerAssessment | None = None
    if triggers and not outside and known is None and known_pe is None:
        wells = score_wells(fs, settings.wells_version)
        # A red flag sends the leg to the scan whatever the score, as a likely Wells does, so
        # the D-dimer is read as for a likely patient (never against an age-adjusted cut-off).
        ddimer = assess(fs, settings, "likely" if urgent else wells.decision)
    return DvtStatus(
        triggers=tuple(triggers),
        outside_reasons=tuple(outside),
        known_dvt=known,
        wells=wells,
        ddimer=ddimer,
        urgent_flags=urgent,
        pregnancy_unknown=fs.get(FeatureName.PREGNANCY).unknown
        and (fs.sex or "").lower() == "female"
        and (fs.age_years is None or fs.age_years <= PREGNANCY_REMINDER_MAX_AGE),
        anticoagulated=fs.get(FeatureName.ANTICOAGULANT).present
        or (fs.anticoagulation_started is not None and after(fs.now, fs.anticoagulation_started)),
        not_suspected=not_suspected,
        known_pe=known_pe,
        child=child,
    )


def confirmed(feature: Feature) -> Feature | None:
    """The feature when a confirmed (not provisional or differential) resource asserts it."""
    if feature.present and any(ev.certainty is Certainty.CONFIRMED for ev in feature.evidence):
        return feature
    return None


def age_caveat(age: int | None) -> str:
    """What a card says when the age cannot confirm NG158's adult scope (§1.13)."""
    if age is None:
        return (
            "Age is not documented (no birth date): NICE NG158 applies from age "
            f"{NG158_MIN_AGE}, and the age-adjusted D-dimer cut-off and PERC (age under 50) could "
            "not be applied; confirm the age."
        )
    if age < NG158_MIN_AGE:
        return (
            f"Age {age}: NICE NG158, Wells and PERC were derived in adults ({NG158_MIN_AGE} and "
            "over); assess with the paediatric team."
        )
    return ""


def child_grounds(fs: FeatureSet, age: int, days: int) -> ChildGrounds:
    """Under 18: the leg signs, a calf at least 3 cm larger, the VTE risk factors on record, and
    the examination items nobody documented."""
    signs = recent_present(fs, CHILD_LEG_SIGNS, days)
    calf = fs.get(FeatureName.CALF_DIFFERENCE)
    difference = calf_difference_cm(calf.quantity)
    if difference is not None and difference >= CALF_DIFFERENCE_CM:
        signs.append(calf)
    return ChildGrounds(
        age=age,
        signs=tuple(signs),
        risk_factors=tuple(fs.get(name) for name in CHILD_RISK_FACTORS if fs.get(name).present),
        undocumented=tuple(name for name in CHILD_EXAMINATION if fs.get(name).unknown),
    )
