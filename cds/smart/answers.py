"""The clinician's answers: read from the form, and written as the FHIR the mapping layer reads.

Every examination item becomes an ``Observation`` coded from the mapping layer's own code lists
(``fhir_mappings/codelists``; a code missing there fails at import, so the app cannot write
something the hooks would not read back), with the leg in ``bodySite`` (SNOMED laterality
qualifier, as ``fhir_mappings.codes.LATERALITY_CODES`` reads it), ``status`` final, the clinician
as ``performer`` and ``effectiveDateTime`` now. The calf criterion is answered by the two
circumferences; the mapping layer computes the difference, as it does for a chart.

"An alternative diagnosis is at least as likely" is a clinician's diagnosis, which the mapping
layer reads from a ``Condition`` (asserted in this episode). The app's write scope covers
Observations only, so it is used for the decision shown here and listed under "document in the
EHR", never written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from fhir_mappings.codelists import CodeEntry, builtin_entries

SNOMED = "http://snomed.info/sct"
EXAM_CATEGORY: Final = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "exam",
            "display": "Exam",
        }
    ]
}
LATERALITY: Final = {"left": ("7771000", "Left"), "right": ("24028007", "Right")}
LOWER_LEG: Final = ("30021000", "Structure of lower limb from knee to ankle")
WHOLE_LEG: Final = ("61685007", "Lower limb structure")


def _entry(list_name: str, code: str) -> CodeEntry:
    for entry in builtin_entries():
        if entry.list_name == list_name and entry.code == code:
            return entry
    raise LookupError(f"code {code} is not in the mapping layer's list {list_name}")


@dataclass(frozen=True, slots=True)
class ExamItem:
    key: str  # the Wells criterion key (cds.triage.wells.LABELS)
    question: str
    entry: CodeEntry
    site: tuple[str, str]


EXAM_ITEMS: Final = (
    ExamItem(
        "deep_vein_tenderness",
        "Localised tenderness along the deep venous system",
        _entry("deep_vein_tenderness", "247348008"),
        LOWER_LEG,
    ),
    ExamItem(
        "entire_leg_swollen",
        "Entire leg swollen",
        _entry("entire_leg_swollen", "449614009"),
        WHOLE_LEG,
    ),
    ExamItem(
        "pitting_oedema",
        "Pitting oedema confined to the symptomatic leg",
        _entry("pitting_oedema", "pitting-oedema"),
        LOWER_LEG,
    ),
    ExamItem(
        "collateral_veins",
        "Collateral superficial veins (non-varicose)",
        _entry("collateral_superficial_veins", "collateral-superficial-veins"),
        LOWER_LEG,
    ),
)
EXAM_KEYS: Final = frozenset(item.key for item in EXAM_ITEMS)
CALF_KEY: Final = "calf_swelling"
CALF_ENTRY: Final = _entry("calf_circumference", "calf-circumference")
ALTERNATIVE_KEY: Final = "alternative_diagnosis"
# Diagnoses a clinician may judge at least as likely as DVT: one code from each list the mapping
# layer reads an alternative diagnosis from (fhir_mappings.catalog.alternative_kind).
ALTERNATIVES: Final[dict[str, CodeEntry]] = {
    "calf_tear": _entry("alternative_calf_tear", "48532005"),
    "bakers_cyst": _entry("alternative_bakers_cyst", "M71.20"),
    "cellulitis": _entry("alternative_cellulitis", "128045006"),
    "superficial_thrombophlebitis": _entry("alternative_superficial_thrombophlebitis", "2477008"),
    "claudication": _entry("alternative_claudication", "63491006"),
    "sciatica": _entry("sciatica", "23056005"),
    "cramp": _entry("cramp", "449918009"),
}
MAX_CM = Decimal(100)


@dataclass(slots=True)
class Answers:
    """What the form said; an item left unanswered stays undocumented."""

    leg: str | None = None
    exam: dict[str, bool] = field(default_factory=dict)  # criterion key -> present?
    calf_left_cm: Decimal | None = None
    calf_right_cm: Decimal | None = None
    alternative: str | None = None  # an ALTERNATIVES key when judged at least as likely
    errors: list[str] = field(default_factory=list)

    @property
    def calf_difference_cm(self) -> Decimal | None:
        """Symptomatic minus the other leg, when both are measured and the leg is known."""
        if self.calf_left_cm is None or self.calf_right_cm is None or self.leg is None:
            return None
        if self.leg == "left":
            return self.calf_left_cm - self.calf_right_cm
        return self.calf_right_cm - self.calf_left_cm

    @property
    def empty(self) -> bool:
        return not self.exam and self.calf_left_cm is None and self.calf_right_cm is None

    def as_form(self) -> dict[str, str]:
        """The values to put back into the form."""
        values = {key: "present" if present else "absent" for key, present in self.exam.items()}
        values["leg"] = self.leg or ""
        values["calf_left_cm"] = "" if self.calf_left_cm is None else str(self.calf_left_cm)
        values["calf_right_cm"] = "" if self.calf_right_cm is None else str(self.calf_right_cm)
        values["alternative"] = self.alternative or ""
        return values


def read_answers(form: Mapping[str, Any], default_leg: str | None) -> Answers:
    leg = form.get("leg") or default_leg
    answers = Answers(leg=leg if leg in LATERALITY else None)
    for item in EXAM_ITEMS:
        value = form.get(item.key)
        if value in ("present", "absent"):
            answers.exam[item.key] = value == "present"
    answers.calf_left_cm = _centimetres(form.get("calf_left_cm"), "left", answers.errors)
    answers.calf_right_cm = _centimetres(form.get("calf_right_cm"), "right", answers.errors)
    alternative = form.get("alternative")
    if alternative in ALTERNATIVES:
        answers.alternative = str(alternative)
    if answers.leg is None and not answers.empty:
        answers.errors.append("Say which leg is symptomatic: the findings are recorded per leg.")
    return answers


def _centimetres(value: object, side: str, errors: list[str]) -> Decimal | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        errors.append(f"The {side} calf circumference is not a number of centimetres.")
        return None
    if not number.is_finite() or number <= 0 or number > MAX_CM:
        errors.append(f"The {side} calf circumference must be between 0 and 100 cm.")
        return None
    return number.quantize(Decimal("0.1"))


def observations(
    answers: Answers, *, patient: str, performer: str | None, now: datetime
) -> list[dict[str, Any]]:
    """One Observation per answered item (two for the calf: one per leg)."""
    if answers.leg is None:
        return []
    found: list[dict[str, Any]] = []
    for item in EXAM_ITEMS:
        if item.key in answers.exam:
            found.append(
                _observation(
                    item.entry,
                    patient,
                    performer,
                    now,
                    site=item.site,
                    leg=answers.leg,
                    value={"valueBoolean": answers.exam[item.key]},
                )
            )
    for leg, cm in (("left", answers.calf_left_cm), ("right", answers.calf_right_cm)):
        if cm is not None:
            quantity = {
                "value": float(cm),
                "unit": "cm",
                "system": "http://unitsofmeasure.org",
                "code": "cm",
            }
            found.append(
                _observation(
                    CALF_ENTRY,
                    patient,
                    performer,
                    now,
                    site=LOWER_LEG,
                    leg=leg,
                    value={"valueQuantity": quantity},
                )
            )
    return found


def alternative_condition(
    answers: Answers, *, patient: str, performer: str | None, now: datetime
) -> dict[str, Any] | None:
    """The judged diagnosis as the Condition the mapping layer reads, for the decision shown in
    the app only (never written: see the module docstring)."""
    if answers.alternative is None:
        return None
    entry = ALTERNATIVES[answers.alternative]
    condition: dict[str, Any] = {
        "resourceType": "Condition",
        "id": f"app-{uuid.uuid4()}",
        "clinicalStatus": _concept(
            "http://terminology.hl7.org/CodeSystem/condition-clinical", "active"
        ),
        "verificationStatus": _concept(
            "http://terminology.hl7.org/CodeSystem/condition-ver-status", "provisional"
        ),
        "category": [
            _concept(
                "http://terminology.hl7.org/CodeSystem/condition-category", "encounter-diagnosis"
            )
        ],
        "code": {"coding": [_coding(entry)], "text": entry.display},
        "subject": {"reference": f"Patient/{patient}"},
        "recordedDate": now.isoformat(),
    }
    if answers.leg is not None:
        side_code, side_display = LATERALITY[answers.leg]
        condition["bodySite"] = [
            {
                "coding": [
                    {"system": SNOMED, "code": LOWER_LEG[0], "display": LOWER_LEG[1]},
                    {"system": SNOMED, "code": side_code, "display": side_display},
                ]
            }
        ]
    if performer:
        condition["asserter"] = {"reference": performer}
    return condition


def _observation(
    entry: CodeEntry,
    patient: str,
    performer: str | None,
    now: datetime,
    *,
    site: tuple[str, str],
    leg: str,
    value: dict[str, Any],
) -> dict[str, Any]:
    side_code, side_display = LATERALITY[leg]
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"app-{uuid.uuid4()}",  # replaced by the server's id when created
        "status": "final",
        "category": [EXAM_CATEGORY],
        "code": {"coding": [_coding(entry)], "text": f"{entry.display}, {leg} leg"},
        "subject": {"reference": f"Patient/{patient}"},
        "effectiveDateTime": now.isoformat(),
        "bodySite": {
            "coding": [
                {"system": SNOMED, "code": site[0], "display": site[1]},
                {"system": SNOMED, "code": side_code, "display": side_display},
            ],
            "text": f"{side_display} leg",
        },
        **value,
    }
    if performer:
        observation["performer"] = [{"reference": performer}]
    return observation


def _coding(entry: CodeEntry) -> dict[str, str]:
    coding = {"system": entry.system, "code": entry.code}
    if entry.display:
        coding["display"] = entry.display
    return coding


def _concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}
