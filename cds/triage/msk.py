"""What the musculoskeletal guidance rules share (docs/clinical-basis.md §1.8, §1.9).

Guidance (strain, cramp, sciatica, physiotherapy) is given only when DVT was made unlikely by the
NG158 pathway or was never a possibility: RICE includes compression, and physiotherapy or massage
over an undiagnosed DVT is exactly the harm the service exists to prevent. Each card says why DVT
is no longer the question and safety-nets: what should bring the patient back at once.
"""

from __future__ import annotations

from typing import Final

from cds.triage.features_view import days_between
from cds.triage.override_reasons import NOT_APPLICABLE, ORDER_EXISTS, PATIENT_DECLINED
from cds.triage.pathway import DvtStatus
from cds.triage.wells_table import COEXIST
from fhir_mappings.features import FeatureName, FeatureSet

MSK_PATHWAY: Final = (
    "https://rightdecisions.scot.nhs.uk/ggc-msk-foot-and-ankle/lower-leg/calf-strainsprain"
)
NG59: Final = "https://www.nice.org.uk/guidance/ng59/chapter/Recommendations"
# The Tyneside IMS "Calf Muscle Injury" leaflet (S17a): RICE period, recovery by grade, Achilles.
CALF_INJURY_LEAFLET: Final = (
    "Calf muscle injury leaflet (Tyneside)",
    "https://docslib.org/doc/3113182",
)
SAFETY_NET: Final = (
    "Seek help at once for new leg swelling, breathlessness, chest pain or coughing blood "
    "(possible DVT or PE)."
)
OVERRIDE_REASONS: Final = (NOT_APPLICABLE, ORDER_EXISTS, PATIENT_DECLINED)


def dvt_settled(status: DvtStatus) -> bool:
    """DVT excluded by the pathway, or never a possibility (and not outside the pathway)."""
    return not status.not_excluded and not status.outside_reasons


def dvt_statement(status: DvtStatus) -> str:
    if status.excluded and status.wells is not None and status.ddimer is not None:
        without = ""
        if status.wells.alternative_changed_decision:
            without = (
                " Without the −2 for the asserted alternative diagnosis, "
                f"{status.wells.alternative_source}, Wells would be "
                f"{status.wells.score_text_without_alternative} (DVT likely, ultrasound); "
                f"{COEXIST}"
            )
        return (
            f"DVT made unlikely (NICE NG158): Wells {status.wells.score_text} and D-dimer "
            f"{status.ddimer.value_text()} negative.{without}"
        )
    if status.not_suspected:
        return status.not_suspected
    return "No DVT trigger recorded (no current calf pain, swelling or tenderness)."


def duration_days(fs: FeatureSet) -> float | None:
    """How long the complaint has lasted: the recorded duration, else since the episode start."""
    duration = fs.get(FeatureName.SYMPTOM_DURATION_DAYS)
    if duration.present and duration.quantity is not None and duration.quantity.unit == "d":
        return duration.quantity.value
    if fs.episode_start is not None:
        return days_between(fs.episode_start, fs.now)
    return None
