"""Override reasons a rule may offer on its cards (CDS Hooks 2.0 ``overrideReasons``: display
REQUIRED). Each rule picks its own from these codes.

Where the CDS Hooks 3.0 non-adherence reason codes (HL7, FHIR-48319; a copy is in
``tests/data``, its source in ``tests/data/SOURCES.md``) say what we mean, we use them with their
published display; the DVT-specific reasons a clinician needs ("DVT already excluded", "patient
already anticoagulated") are in our own code system.
"""

from __future__ import annotations

from typing import Final

from cards.models import OverrideReason

OVERRIDE_SYSTEM: Final = "https://calf-triage.example.org/fhir/CodeSystem/override-reason"
NON_ADHERENCE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"

DVT_ALREADY_EXCLUDED: Final = OverrideReason(
    system=OVERRIDE_SYSTEM, code="dvt-already-excluded", display="DVT already excluded"
)
ALREADY_ANTICOAGULATED: Final = OverrideReason(
    system=OVERRIDE_SYSTEM, code="already-anticoagulated", display="Patient already anticoagulated"
)
ALREADY_REFERRED: Final = OverrideReason(
    system=OVERRIDE_SYSTEM,
    code="already-referred-emergency",
    display="Already assessed or referred as an emergency",
)
ALTERNATIVE_CONFIRMED: Final = OverrideReason(
    system=OVERRIDE_SYSTEM,
    code="alternative-diagnosis-confirmed",
    display="Alternative diagnosis confirmed by examination or imaging",
)
PATIENT_DECLINED: Final = OverrideReason(
    system=NON_ADHERENCE_SYSTEM,
    code="patient-refuses",
    display="Patient refuses/declines (no context given)*",
)
ORDER_EXISTS: Final = OverrideReason(
    system=NON_ADHERENCE_SYSTEM,
    code="indication-order-exists",
    display="Patient has indication/order for intended action",
)
NOT_APPLICABLE: Final = OverrideReason(
    system=NON_ADHERENCE_SYSTEM,
    code="cds-not-applicable",
    display="PC CDS does not apply to patient",
)
