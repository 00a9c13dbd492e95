"""Small constructors for the FHIR R4 resources in ``fixtures/`` (an authoring aid).

The committed JSON bundles are the source of truth; ``tests/fakes/fixture_cases.py`` used these
helpers to write them once, so every bundle encodes data the same way, exactly as
``docs/fhir-conventions.md`` describes (system + code, ``bodySite`` laterality, ``valueBoolean``
for present / absent findings, UCUM units, Bundle.meta fixture extensions).

Code sources (see ../shared/CLINICAL.md §2 unless stated): SNOMED CT and ICD-10-CM from §2.1 /
§2.2 (ICD-10-CM codes outside §2.2 were checked with ``simple-icd-10-cm`` 1.5.0, the CMS FY2026
tabular that CLINICAL.md cites as [CMS]); LOINC from §2.3; ATC classes from the conventions doc
(B01A anticoagulants, G03A hormonal contraceptives, M01A NSAIDs; WHO ATC index for the
substance-level codes); Procedure 80146002 Appendectomy (HL7 FHIR R4 Procedure example),
609588000 Total knee replacement ([3P]) and 308447003 Referral to physiotherapist (the
mapping layer's orders_physiotherapy list, VSAC), 38864007 Perineal structure (DICOM CID 4, see
fhir_mappings/codelists/SOURCES.md). Pitting oedema and collateral superficial veins use our local
code system (``LOCAL``), as docs/fhir-conventions.md tells an EHR integration to map them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

SCT = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
LOCAL = "https://calf-triage.example.org/fhir/CodeSystem/local-observations"
SD = "https://calf-triage.example.org/fhir/StructureDefinition"
OBS_CAT = "http://terminology.hl7.org/CodeSystem/observation-category"
COND_CAT = "http://terminology.hl7.org/CodeSystem/condition-category"
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
INTERP = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
BASE = "https://ehr.example.org/fhir"

Resource = dict[str, Any]

LATERALITY = {
    "left": (SCT, "7771000", "Left"),
    "right": (SCT, "24028007", "Right"),
    "bilateral": (SCT, "51440002", "Right and left"),
}
SITES = {
    "lower_leg": (SCT, "30021000", "Structure of lower limb from knee to ankle"),
    "lower_limb": (SCT, "61685007", "Lower limb structure"),
    "knee": (SCT, "72696002", "Knee region structure"),
    "perineum": (SCT, "38864007", "Perineal structure"),
}

SITE_TEXT = {"lower_leg": "lower leg", "lower_limb": "leg", "knee": "knee", "perineum": "perineum"}


def coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def concept(*codings: tuple[str, str, str], text: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"coding": [coding(*c) for c in codings]}
    result["text"] = text if text is not None else codings[0][2]
    return result


def body_site(side: str | None, site: str = "lower_leg", text: str | None = None) -> dict[str, Any]:
    codings = [coding(*SITES[site])]
    if side is not None:
        codings.append(coding(*LATERALITY[side]))
    label = text or " ".join(x for x in (side, SITE_TEXT[site]) if x).capitalize()
    return {"coding": codings, "text": label}


def iso(moment: datetime) -> str:
    return moment.isoformat()


class Chart:
    """Collects one patient's resources relative to a fixed ``now``."""

    def __init__(self, case: str, now: datetime, pid: str) -> None:
        self.case = case
        self.now = now
        self.pid = pid
        self.entries: list[Resource] = []
        self.encounter_id: str | None = None
        self.practitioner_id = "pract-" + pid[-6:]
        self._counter = 0

    # -- helpers ---------------------------------------------------------------------------
    def ago(self, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours, minutes=minutes)

    def _id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}-{self._counter:02d}"

    def _subject(self) -> dict[str, str]:
        return {"reference": f"Patient/{self.pid}"}

    def _enc(self, resource: Resource, current: bool) -> None:
        if current and self.encounter_id:
            resource["encounter"] = {"reference": f"Encounter/{self.encounter_id}"}

    def add(self, resource: Resource) -> Resource:
        self.entries.append(resource)
        return resource

    # -- people and encounter ----------------------------------------------------------------
    def patient(self, given: str, family: str, gender: str, birth: date) -> Resource:
        return self.add(
            {
                "resourceType": "Patient",
                "id": self.pid,
                "identifier": [
                    {
                        "type": concept(
                            (
                                "http://terminology.hl7.org/CodeSystem/v2-0203",
                                "MR",
                                "Medical record number",
                            )
                        ),
                        "system": "https://ehr.example.org/mrn",
                        "value": "MRN" + self.pid[-8:].upper(),
                    }
                ],
                "active": True,
                "name": [{"use": "official", "family": family, "given": [given]}],
                "gender": gender,
                "birthDate": birth.isoformat(),
            }
        )

    def practitioner(self, given: str, family: str) -> Resource:
        return self.add(
            {
                "resourceType": "Practitioner",
                "id": self.practitioner_id,
                "name": [{"family": family, "given": [given], "prefix": ["Dr"]}],
            }
        )

    def encounter(self, klass: str = "AMB", minutes_ago: int = 40) -> Resource:
        self.encounter_id = "enc-" + self.pid[-6:]
        displays = {"AMB": "ambulatory", "EMER": "emergency", "IMP": "inpatient encounter"}
        return self.add(
            {
                "resourceType": "Encounter",
                "id": self.encounter_id,
                "status": "in-progress",
                "class": {"system": ACT, "code": klass, "display": displays[klass]},
                "subject": self._subject(),
                "participant": [
                    {"individual": {"reference": f"Practitioner/{self.practitioner_id}"}}
                ],
                "period": {"start": iso(self.ago(minutes=minutes_ago))},
            }
        )

    # -- conditions ------------------------------------------------------------------------
    def condition(
        self,
        *codes: tuple[str, str, str],
        onset: datetime | None = None,
        recorded: datetime | None = None,
        clinical: str = "active",
        verification: str = "confirmed",
        category: str = "problem-list-item",
        side: str | None = None,
        site: str = "lower_leg",
        abated: datetime | None = None,
        current: bool = False,
        note: str | None = None,
        text: str | None = None,
    ) -> Resource:
        resource: Resource = {
            "resourceType": "Condition",
            "id": self._id("cond"),
            "clinicalStatus": concept((CLIN, clinical, clinical.capitalize())),
            "verificationStatus": concept((VER, verification, verification.capitalize())),
            "category": [concept((COND_CAT, category, _cat_display(category)))],
            "code": concept(*codes, text=text),
            "subject": self._subject(),
        }
        if side is not None:
            resource["bodySite"] = [body_site(side, site)]
        self._enc(resource, current)
        if onset is not None:
            resource["onsetDateTime"] = iso(onset)
        if abated is not None:
            resource["abatementDateTime"] = iso(abated)
        if recorded is None:
            recorded = self.ago(minutes=20) if current or onset is None else onset
        resource["recordedDate"] = iso(recorded)
        if current or category == "encounter-diagnosis":
            resource["asserter"] = {"reference": f"Practitioner/{self.practitioner_id}"}
        if note:
            resource["note"] = [{"text": note}]
        return self.add(resource)

    # -- observations ----------------------------------------------------------------------
    def _observation(
        self,
        code: dict[str, Any],
        category: str,
        when: datetime,
        status: str = "final",
        current: bool = True,
    ) -> Resource:
        cat_display = {
            "vital-signs": "Vital Signs",
            "laboratory": "Laboratory",
            "exam": "Exam",
            "survey": "Survey",
        }[category]
        resource: Resource = {
            "resourceType": "Observation",
            "id": self._id("obs"),
            "status": status,
            "category": [concept((OBS_CAT, category, cat_display))],
            "code": code,
            "subject": self._subject(),
            "effectiveDateTime": iso(when),
            "performer": [{"reference": f"Practitioner/{self.practitioner_id}"}],
        }
        self._enc(resource, current)
        return resource

    def finding(
        self,
        code: tuple[str, str, str],
        present: bool,
        side: str | None = None,
        site: str = "lower_leg",
        when: datetime | None = None,
        extra: tuple[str, str, str] | None = None,
        text: str | None = None,
        site_text: str | None = None,
        status: str = "final",
        current: bool = True,
    ) -> Resource:
        codes = [code, extra] if extra else [code]
        resource = self._observation(
            concept(*codes, text=text), "exam", when or self.ago(minutes=25), status, current
        )
        resource["valueBoolean"] = present
        if side is not None or site != "lower_leg":
            resource["bodySite"] = body_site(side, site, site_text)
        return self.add(resource)

    def quantity(
        self,
        code: dict[str, Any],
        category: str,
        value: float,
        unit: str,
        ucum: str,
        when: datetime | None = None,
        low: float | None = None,
        high: float | None = None,
        interpretation: str | None = None,
        status: str = "final",
        current: bool = True,
    ) -> Resource:
        moment = when or self.ago(minutes=30)
        resource = self._observation(code, category, moment, status, current)
        resource["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": ucum}
        if category == "laboratory":
            resource["issued"] = iso(moment + timedelta(minutes=50))
        if low is not None or high is not None:
            rng: dict[str, Any] = {}
            if low is not None:
                rng["low"] = {"value": low, "unit": unit, "system": UCUM, "code": ucum}
            if high is not None:
                rng["high"] = {"value": high, "unit": unit, "system": UCUM, "code": ucum}
            resource["referenceRange"] = [rng]
        if interpretation is not None:
            names = {"H": "High", "L": "Low", "N": "Normal", "POS": "Positive", "NEG": "Negative"}
            resource["interpretation"] = [concept((INTERP, interpretation, names[interpretation]))]
        return self.add(resource)

    def vitals(
        self,
        hr: int = 76,
        spo2: int = 98,
        rr: int = 14,
        temp: float = 36.7,
        when: datetime | None = None,
    ) -> None:
        moment = when or self.ago(minutes=35)
        self.quantity(
            concept((LOINC, "8867-4", "Heart rate")), "vital-signs", hr, "/min", "/min", moment
        )
        self.quantity(
            concept((LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")),
            "vital-signs",
            spo2,
            "%",
            "%",
            moment,
        )
        self.quantity(
            concept((LOINC, "9279-1", "Respiratory rate")),
            "vital-signs",
            rr,
            "/min",
            "/min",
            moment,
        )
        self.quantity(
            concept((LOINC, "8310-5", "Body temperature")),
            "vital-signs",
            temp,
            "Cel",
            "Cel",
            moment,
        )

    def pain_score(
        self, score: int, when: datetime | None = None, side: str | None = None
    ) -> Resource:
        resource = self.quantity(
            concept(
                (LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
            ),
            "survey",
            score,
            "{score}",
            "{score}",
            when,
        )
        if side is not None:
            resource["bodySite"] = body_site(side)
        return resource

    def calf(
        self,
        left_cm: float,
        right_cm: float,
        symptomatic: str,
        when: datetime | None = None,
        difference: bool = True,
    ) -> None:
        """Per-leg circumferences 10 cm below the tibial tuberosity, plus the derived difference."""
        moment = when or self.ago(minutes=25)
        ids = []
        for side, value in (("left", left_cm), ("right", right_cm)):
            obs = self.quantity(
                concept((LOCAL, "calf-circumference", "Calf circumference")),
                "exam",
                value,
                "cm",
                "cm",
                moment,
            )
            obs["bodySite"] = body_site(side)
            obs["method"] = {"text": "Measured 10 cm below the tibial tuberosity"}
            ids.append(obs["id"])
        if difference:
            other = {"left": right_cm, "right": left_cm}[symptomatic]
            mine = {"left": left_cm, "right": right_cm}[symptomatic]
            diff = self.quantity(
                concept(
                    (LOCAL, "calf-circumference-difference", "Calf circumference difference"),
                    text="Calf circumference difference (symptomatic minus asymptomatic)",
                ),
                "exam",
                round(mine - other, 1),
                "cm",
                "cm",
                moment,
            )
            diff["bodySite"] = body_site(symptomatic)
            diff["derivedFrom"] = [{"reference": f"Observation/{i}"} for i in ids]

    def ddimer(
        self,
        value: float,
        unit: str,
        kind: str = "FEU",
        cutoff: float | None = None,
        when: datetime | None = None,
        status: str = "final",
    ) -> Resource:
        if kind == "FEU":
            code = concept((LOINC, "48065-7", "D-dimer FEU [Mass/volume] in Platelet poor plasma"))
        else:
            code = concept((LOINC, "48066-5", "D-dimer DDU [Mass/volume] in Platelet poor plasma"))
        interp = None
        if cutoff is not None:
            interp = "H" if value > cutoff else "N"
        return self.quantity(
            code,
            "laboratory",
            value,
            unit,
            unit,
            when or self.ago(hours=2),
            high=cutoff,
            interpretation=interp,
            status=status,
        )

    def lab(
        self,
        loinc: str,
        display: str,
        value: float,
        unit: str,
        low: float,
        high: float,
        when: datetime | None = None,
    ) -> Resource:
        interp = "L" if value < low else "H" if value > high else "N"
        return self.quantity(
            concept((LOINC, loinc, display)),
            "laboratory",
            value,
            unit,
            unit,
            when or self.ago(days=1),
            low=low,
            high=high,
            interpretation=interp,
            current=False,
        )

    # -- procedures, medications, orders ------------------------------------------------------
    def procedure(
        self,
        code: tuple[str, str, str],
        performed: datetime,
        surgical: bool = True,
        side: str | None = None,
    ) -> Resource:
        resource: Resource = {
            "resourceType": "Procedure",
            "id": self._id("proc"),
            "status": "completed",
            "code": concept(code),
            "subject": self._subject(),
            "performedDateTime": iso(performed),
        }
        if surgical:
            resource["category"] = concept((SCT, "387713003", "Surgical procedure"))
        if side is not None:
            resource["bodySite"] = [body_site(side, "knee")]
        return self.add(resource)

    def medication(
        self,
        atc: tuple[str, str],
        authored: datetime,
        dosage: str,
        status: str = "active",
        intent: str = "order",
        selected: bool | None = None,
        reason: str | None = None,
    ) -> Resource:
        resource: Resource = {
            "resourceType": "MedicationRequest",
            "id": self._id("medrx"),
            "status": status,
            "intent": intent,
            "medicationCodeableConcept": concept((ATC, atc[0], atc[1])),
            "subject": self._subject(),
            "authoredOn": iso(authored),
            "requester": {"reference": f"Practitioner/{self.practitioner_id}"},
            "dosageInstruction": [{"text": dosage}],
        }
        if status == "draft":
            self._enc(resource, True)
        if reason:
            resource["reasonCode"] = [{"text": reason}]
        if selected:
            resource["meta"] = {
                "extension": [{"url": f"{SD}/fixture-selected", "valueBoolean": True}]
            }
        return self.add(resource)

    def draft_service(
        self,
        code: tuple[str, str, str],
        category: tuple[str, str, str] | None = None,
        reason: str | None = None,
        selected: bool | None = None,
    ) -> Resource:
        resource: Resource = {
            "resourceType": "ServiceRequest",
            "id": self._id("sr"),
            "status": "draft",
            "intent": "order",
            "code": concept(code),
            "subject": self._subject(),
            "authoredOn": iso(self.ago(minutes=2)),
            "requester": {"reference": f"Practitioner/{self.practitioner_id}"},
        }
        if category is not None:
            resource["category"] = [concept(category)]
        self._enc(resource, True)
        if reason:
            resource["reasonCode"] = [{"text": reason}]
        if selected:
            resource["meta"] = {
                "extension": [{"url": f"{SD}/fixture-selected", "valueBoolean": True}]
            }
        return self.add(resource)

    # -- the bundle --------------------------------------------------------------------------
    def bundle(
        self, description: str, hook: str, settings: dict[str, str] | None = None
    ) -> Resource:
        extensions: list[dict[str, Any]] = [
            {"url": f"{SD}/fixture-description", "valueString": description},
            {"url": f"{SD}/fixture-hook", "valueCode": hook},
        ]
        for key, value in (settings or {}).items():
            extensions.append({"url": f"{SD}/fixture-setting", "valueString": f"{key}={value}"})
        return {
            "resourceType": "Bundle",
            "id": self.case,
            "meta": {"extension": extensions},
            "type": "collection",
            "timestamp": iso(self.now),
            "entry": [
                {"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r}
                for r in self.entries
            ],
        }


def _cat_display(category: str) -> str:
    return {"problem-list-item": "Problem List Item", "encounter-diagnosis": "Encounter Diagnosis"}[
        category
    ]
