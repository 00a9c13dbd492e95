"""Deterministic CDS Hooks request bodies for the load benchmark.

Four requests, all for one synthetic patient with calf pain:

- ``typical``   patient-view, Patient + 30 Observations + 10 Conditions, everything prefetched
                (about 54 KB, the size of a typical chart-open request);
- ``large``     the same with 300 Observations (the "10x" request);
- ``order-sign`` order-sign with draft orders (D-dimer test, an NSAID) and the typical prefetch;
- ``fallback``  patient-view with *no* prefetch: the service fetches everything from
                ``fhirServer`` (``bench/mock_fhir.py``, which adds a fixed delay per query).

Codes come from the value sets (docs/clinical-basis.md §2: SNOMED CT §2.1, ICD-10-CM §2.2,
LOINC §2.3) so the triage really runs: calf pain and swelling on the left leg, a D-dimer, vital
signs, electrolytes.
Dates are relative to ``now`` so "recent" findings stay recent; given the same ``now`` the bytes
are identical. ``bench/run.py`` calls :func:`build_requests` with the run's start time.

Prefetch keys and templates are read from the service itself (``cds.services``) so the bench
prefetches exactly what discovery advertises; defaults are used if that is not importable.

Run by hand to look at them: ``python bench/make_requests.py --out /tmp/requests``.
"""

from __future__ import annotations

import argparse
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import orjson

PATIENT_ID = "bench-patient-1"
MOCK_BASE_PLACEHOLDER = "__MOCK_FHIR_BASE__"
NS = uuid.UUID("6f1c8f8e-1d7e-4a8e-9a57-3f0c2a3f7b10")

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
LOCAL_OBS = "https://calf-triage.example.org/fhir/CodeSystem/local-observations"
LEFT = {"system": SNOMED, "code": "7771000", "display": "Left"}
LOWER_LEG = {"system": SNOMED, "code": "30021000", "display": "Structure of lower limb from knee"}

DEFAULT_PREFETCH = {
    "patient-view": {
        "patient": "Patient/{{context.patientId}}",
        "conditions": "Condition?patient={{context.patientId}}",
        "observations": "Observation?patient={{context.patientId}}",
    },
}

# (LOINC or local code, display, unit, low, high, system) - CLINICAL.md §2.3
_MEASURES: list[tuple[str, str, str, float, float, str]] = [
    ("8867-4", "Heart rate", "/min", 62, 104, LOINC),
    ("9279-1", "Respiratory rate", "/min", 12, 22, LOINC),
    ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", 93, 99, LOINC),
    ("8310-5", "Body temperature", "Cel", 36.4, 37.9, LOINC),
    ("2708-6", "Oxygen saturation in Arterial blood", "%", 94, 99, LOINC),
    ("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L", 3.4, 4.9, LOINC),
    ("19123-9", "Magnesium [Mass/volume] in Serum or Plasma", "mg/dL", 1.7, 2.3, LOINC),
    ("17861-6", "Calcium [Mass/volume] in Serum or Plasma", "mg/dL", 8.6, 10.2, LOINC),
    (
        "2157-6",
        "Creatine kinase [Enzymatic activity/volume] in Serum or Plasma",
        "U/L",
        40,
        260,
        LOINC,
    ),
]
# (system, code, display) - CLINICAL.md §2.1 / §2.2
_CONDITIONS: list[tuple[str, str, str]] = [
    (SNOMED, "300954003", "Pain in calf"),
    (SNOMED, "449614009", "Swelling of lower limb (finding)"),
    (SNOMED, "247348008", "Tenderness"),
    (SNOMED, "284521000", "Pitting edema (finding)"),
    (SNOMED, "279039007", "Low back pain"),
    (SNOMED, "266987004", "History of malignant neoplasm (situation)"),
    (SNOMED, "55300003", "Cramp"),
    (ICD10, "M79.662", "Pain in left lower leg"),
    (ICD10, "Z79.3", "Long term (current) use of hormonal contraceptives"),
    (SNOMED, "161615003", "History of surgery"),
]


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _narrative(text: str) -> dict[str, str]:
    return {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{text}</p></div>',
    }


@dataclass
class Dataset:
    """The synthetic record: what the EHR holds for the bench patient."""

    now: datetime
    patient: dict[str, Any]
    resources: list[dict[str, Any]] = field(default_factory=list)  # everything but Patient

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["resourceType"] == kind]


def _patient(now: datetime) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": PATIENT_ID,
        "meta": {"versionId": "3", "lastUpdated": _iso(now - timedelta(days=2))},
        "text": _narrative("Synthetic benchmark patient (no real person)."),
        "identifier": [
            {"system": "urn:oid:1.2.36.146.595.217.0.1", "value": "BENCH-000001"},
        ],
        "active": True,
        "name": [{"use": "official", "family": "Bench", "given": ["Synthetic", "Test"]}],
        "gender": "female",
        "birthDate": "1979-04-12",
        "address": [{"use": "home", "city": "Testville", "postalCode": "00000", "country": "XX"}],
        "telecom": [{"system": "phone", "value": "000 000 000", "use": "home"}],
    }


def _observation(rng: random.Random, i: int, now: datetime) -> dict[str, Any]:
    code, display, unit, low, high, system = _MEASURES[i % len(_MEASURES)]
    when = now - timedelta(hours=6 + 7 * i)
    value = round(rng.uniform(low, high), 1)
    category = "vital-signs" if i % len(_MEASURES) < 5 else "laboratory"
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"bench-obs-{i}",
        "meta": {"versionId": "1", "lastUpdated": _iso(when)},
        "text": _narrative(f"{display}: recorded during the calf pain episode."),
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": category,
                        "display": category.replace("-", " ").title(),
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": system, "code": code, "display": display}], "text": display},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "encounter": {"reference": "Encounter/bench-enc-1"},
        "effectiveDateTime": _iso(when),
        "issued": _iso(when + timedelta(minutes=20)),
        "performer": [{"reference": "Practitioner/bench-pract-1", "display": "Bench Clinician"}],
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
        "interpretation": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": "N",
                        "display": "Normal",
                    }
                ]
            }
        ],
        "referenceRange": [
            {
                "low": {"value": low, "unit": unit, "system": UCUM, "code": unit},
                "high": {"value": high, "unit": unit, "system": UCUM, "code": unit},
            }
        ],
    }
    return obs


def _special_observations(now: datetime) -> list[dict[str, Any]]:
    """D-dimer (LOINC 48065-7 FEU) and the calf circumference difference (local code)."""
    ddimer = {
        "resourceType": "Observation",
        "id": "bench-ddimer-1",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {
                    "system": LOINC,
                    "code": "48065-7",
                    "display": "Fibrin D-dimer FEU [Mass/volume] in Platelet poor plasma",
                }
            ]
        },
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "effectiveDateTime": _iso(now - timedelta(hours=3)),
        "valueQuantity": {"value": 820, "unit": "ng/mL", "system": UCUM, "code": "ng/mL"},
        "referenceRange": [
            {"high": {"value": 500, "unit": "ng/mL", "system": UCUM, "code": "ng/mL"}}
        ],
    }
    calf = {
        "resourceType": "Observation",
        "id": "bench-calf-diff-1",
        "status": "final",
        "code": {
            "coding": [{"system": LOCAL_OBS, "code": "calf-circumference-difference"}],
            "text": "Calf circumference difference",
        },
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "effectiveDateTime": _iso(now - timedelta(hours=4)),
        "bodySite": {"coding": [LOWER_LEG, LEFT]},
        "valueQuantity": {"value": 3.5, "unit": "cm", "system": UCUM, "code": "cm"},
    }
    return [ddimer, calf]


def _condition(i: int, now: datetime) -> dict[str, Any]:
    system, code, display = _CONDITIONS[i % len(_CONDITIONS)]
    onset = now - timedelta(days=2 + (i % 3) if i < 5 else 400 + 30 * i)
    status = "active" if i < 8 else "resolved"
    return {
        "resourceType": "Condition",
        "id": f"bench-cond-{i}",
        "meta": {"versionId": "1", "lastUpdated": _iso(onset)},
        "text": _narrative(f"{display} (recorded for the benchmark)."),
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": status,
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "problem-list-item",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": system, "code": code, "display": display}], "text": display},
        "bodySite": [{"coding": [LOWER_LEG, LEFT]}] if i < 4 else [],
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "onsetDateTime": _iso(onset),
        "recordedDate": _iso(onset + timedelta(hours=1)),
        "recorder": {"reference": "Practitioner/bench-pract-1"},
    }


def build_dataset(now: datetime, n_observations: int = 30, n_conditions: int = 10) -> Dataset:
    rng = random.Random(7)
    data = Dataset(now=now, patient=_patient(now))
    special = _special_observations(now)
    data.resources.extend(special)
    data.resources.extend(_observation(rng, i, now) for i in range(n_observations - len(special)))
    data.resources.extend(_condition(i, now) for i in range(n_conditions))
    return data


def _codings(resource: dict[str, Any], attr: str) -> list[tuple[str, str]]:
    value = resource.get(attr)
    concepts = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return [
        (str(c.get("system", "")), str(c.get("code", "")))
        for concept in concepts
        for c in concept.get("coding", [])
    ]


def _matches_tokens(resource: dict[str, Any], attr: str, tokens: list[str]) -> bool:
    codings = _codings(resource, attr)
    for token in ",".join(tokens).split(","):
        system, sep, code = token.rpartition("|")
        for s, c in codings:
            if c == code and (not sep or s == system):
                return True
    return False


def search(data: Dataset, query: str) -> list[dict[str, Any]]:
    """What a FHIR server would return for ``Type?params`` (code/category/status filters only)."""
    kind, _, qs = query.partition("?")
    params = parse_qs(qs)
    out = [data.patient] if kind == "Patient" else data.of_type(kind)
    for name, attr in (
        ("code", "code"),
        ("category", "category"),
        ("clinical-status", "clinicalStatus"),
    ):
        if name in params:
            out = [r for r in out if _matches_tokens(r, attr, params[name])]
    if "status" in params:
        allowed = ",".join(params["status"]).split(",")
        out = [r for r in out if r.get("status") in allowed]
    return out


def searchset(
    resources: list[dict[str, Any]], base: str = "http://ehr.example/fhir"
) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


def prefetch_templates() -> dict[str, tuple[str, dict[str, str]]]:
    """hook -> (service id, {prefetch key: template}) from the service's own discovery."""
    try:
        from cds.services import build_services
    except ImportError:
        return {
            hook: (f"calf-pain-{hook}", DEFAULT_PREFETCH["patient-view"])
            for hook in ("patient-view", "order-sign")
        }
    return {s.hook: (s.id, dict(s.prefetch)) for s in build_services().values()}


def render(template: str) -> str:
    return (
        template.replace("{{context.patientId}}", PATIENT_ID)
        .replace("{{context.encounterId}}", "bench-enc-1")
        .replace("{{context.userId}}", "Practitioner/bench-pract-1")
        .replace("{{userPractitionerId}}", "bench-pract-1")
    )


def prefetch_for(data: Dataset, templates: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, template in templates.items():
        query = render(template)
        if "?" not in query:
            kind, _, ident = query.partition("/")
            out[key] = data.patient if kind == "Patient" and ident == PATIENT_ID else None
        else:
            out[key] = searchset(search(data, query))
    return out


def _draft_orders() -> dict[str, Any]:
    """A D-dimer test (LOINC 48065-7, §2.3) and an NSAID (ATC M01A, docs/fhir-conventions.md)."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "ServiceRequest",
                    "id": "bench-sr-1",
                    "status": "draft",
                    "intent": "order",
                    "code": {
                        "coding": [{"system": LOINC, "code": "48065-7", "display": "D-dimer FEU"}]
                    },
                    "subject": {"reference": f"Patient/{PATIENT_ID}"},
                }
            },
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "id": "bench-mr-1",
                    "status": "draft",
                    "intent": "order",
                    "medicationCodeableConcept": {
                        "coding": [
                            {
                                "system": "http://www.whocc.no/atc",
                                "code": "M01AE01",
                                "display": "ibuprofen",
                            }
                        ]
                    },
                    "subject": {"reference": f"Patient/{PATIENT_ID}"},
                }
            },
        ],
    }


def _request(hook: str, name: str, context: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "hook": hook,
        "hookInstance": str(uuid.uuid5(NS, name)),
        "context": context,
        **extra,
    }


def build_requests(now: datetime) -> dict[str, tuple[str, bytes]]:
    """name -> (service id, body). The fallback body names ``MOCK_BASE_PLACEHOLDER``."""
    hooks = prefetch_templates()
    pv_id, pv_templates = hooks["patient-view"]
    os_id, os_templates = hooks.get("order-sign", (pv_id, pv_templates))
    typical = build_dataset(now)
    large = build_dataset(now, n_observations=300)
    ctx = {
        "userId": "Practitioner/bench-pract-1",
        "patientId": PATIENT_ID,
        "encounterId": "bench-enc-1",
    }
    bodies: dict[str, tuple[str, dict[str, Any]]] = {
        "typical": (
            pv_id,
            _request("patient-view", "typical", ctx, prefetch=prefetch_for(typical, pv_templates)),
        ),
        "large": (
            pv_id,
            _request("patient-view", "large", ctx, prefetch=prefetch_for(large, pv_templates)),
        ),
        "order-sign": (
            os_id,
            _request(
                "order-sign",
                "order-sign",
                {**ctx, "draftOrders": _draft_orders()},
                prefetch=prefetch_for(typical, os_templates),
            ),
        ),
        "fallback": (
            pv_id,
            _request(
                "patient-view",
                "fallback",
                ctx,
                fhirServer=MOCK_BASE_PLACEHOLDER,
                fhirAuthorization={
                    "access_token": "bench-token",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "scope": "patient/*.read",
                    "subject": "bench",
                },
            ),
        ),
    }
    return {name: (sid, orjson.dumps(body)) for name, (sid, body) in bodies.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--now", default="2026-01-15T12:00:00Z", help="ISO instant")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (sid, body) in build_requests(now).items():
        (args.out / f"{name}.json").write_bytes(body)
        print(f"{name}: POST /cds-services/{sid}  {len(body):,} bytes")


if __name__ == "__main__":
    main()
