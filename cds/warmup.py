"""Warm-up at start-up: the first real call must not pay for loading what every call uses.

Without it the first call of each worker loads the code lists (and validates every ICD-10-CM code
with simple-icd-10-cm), builds the pint unit registry and the unit factors (every known unit
against every target, ``units.prepare``), compiles pydantic schemas and imports the R4B models
lazily, for one unlucky clinician. So the lifespan runs one synthetic call per service through
the real engine (no database, no FHIR server, a made-up patient that exists nowhere).
"""

from __future__ import annotations

import gc
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from cds.engine import CallSummary, Engine
from cds.hooks import REQUEST_MODELS
from cds.services import CdsService
from cds.settings import Settings
from fhir_mappings.codes import ICD10CM, LOINC, SNOMED, UCUM
from fhir_mappings.measurements import conversion_targets
from fhir_mappings.units import prepare as prepare_units

logger = logging.getLogger(__name__)

_PATIENT = "warm-up-patient"
GC_THRESHOLDS = (10_000, 20, 100)  # young allocations; young per middle; middle per full


def _resources(now: datetime) -> dict[str, list[dict[str, Any]]]:
    subject = {"reference": f"Patient/{_PATIENT}"}
    when = (now - timedelta(days=1)).isoformat()
    leg = {"coding": [{"system": SNOMED, "code": "7771000"}]}
    return {
        "Condition": [
            {
                "resourceType": "Condition",
                "id": f"warm-c{i}",
                "subject": subject,
                "clinicalStatus": {"coding": [{"code": "active"}]},
                "code": {"coding": [{"system": system, "code": code}]},
                "bodySite": [leg],
                "onsetDateTime": when,
            }
            for i, (system, code) in enumerate(((SNOMED, "300954003"), (ICD10CM, "M79.662")))
        ],
        "Observation": [
            {
                "resourceType": "Observation",
                "id": f"warm-o{i}",
                "status": "final",
                "subject": subject,
                "code": {"coding": [{"system": LOINC, "code": code}]},
                "effectiveDateTime": when,
                "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
            }
            for i, (code, value, unit) in enumerate(
                (("8867-4", 80, "/min"), ("48065-7", 400, "ng/mL"), ("8310-5", 37.0, "Cel"))
            )
        ],
    }


def _request(service: CdsService, now: datetime) -> Any:
    found = _resources(now)
    prefetch: dict[str, Any] = {}
    for spec in service.searches:
        if spec.resource_type == "Patient":
            prefetch[spec.key] = {"resourceType": "Patient", "id": _PATIENT, "gender": "female"}
        else:
            entries = [{"resource": r} for r in found.get(spec.resource_type, [])]
            prefetch[spec.key] = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
    context: dict[str, Any] = {"userId": "Practitioner/warm-up", "patientId": _PATIENT}
    if service.hook != "patient-view":
        context["draftOrders"] = {"resourceType": "Bundle", "entry": []}
    if service.hook == "order-select":
        context["selections"] = []
    body = {
        "hook": service.hook,
        "hookInstance": str(uuid.uuid4()),
        "context": context,
        "prefetch": prefetch,
    }
    return REQUEST_MODELS[service.hook].model_validate(body)


async def warm_up(settings: Settings, services: dict[str, CdsService], now: datetime) -> None:
    """One call per service through a store-less engine. Never fatal."""
    engine = Engine(settings, fhir=None, store=None, clock=lambda: now)
    # The synthetic values are all in their canonical units, so they never reach pint: plan every
    # unit explicitly, or the first real call with e.g. mg/dL would build pint's registry.
    prepare_units(conversion_targets())
    for service in services.values():
        try:
            await engine.handle(service, _request(service, now), None, CallSummary())
        except Exception as exc:  # a warm-up problem must not stop the service starting
            logger.warning("warm-up call failed", extra={"error": type(exc).__name__})
    # Code tables, value sets and schemas are several hundred thousand objects that live as long
    # as the process: frozen, the collector never traverses them again (a full collection of
    # them takes a few hundred milliseconds, a p99 outlier on every call it lands on).
    gc.collect()
    gc.freeze()
    # Concurrent calls keep their request, records and features alive while they wait for the
    # issued-card write, so with the default thresholds those objects are traversed by many young
    # collections and promoted; with a larger young generation almost all of them are freed by
    # reference counting before the collector ever looks at them.
    gc.set_threshold(*GC_THRESHOLDS)
