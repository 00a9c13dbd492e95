"""A prefetched resource is kept only when it belongs to the request's patient.

``check_belongs`` reads the resource's patient reference (``subject``, else ``patient``); the
collector must give the same answer for the same resource. The table includes ids the FHIR id
rule cannot read back (a slash, 65 characters, a trailing newline): an exact string match of the
reference is never proof on its own.
"""

from __future__ import annotations

from typing import Any

import pytest

from cds.prefetch import PrefetchCollector, check_belongs
from fhir_mappings.features import Skipped
from tests.service.builders import PATIENT_ID, bundle, searches

LONG_ID = "x" * 65  # one over the FHIR id limit


def _condition(pid_ref: Any, **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Condition", "id": "c1", **extra}
    if pid_ref is not None:
        resource["subject"] = pid_ref
    return resource


CASES: list[tuple[str, dict[str, Any], str | None]] = [
    (PATIENT_ID, _condition({"reference": f"Patient/{PATIENT_ID}"}), None),
    (PATIENT_ID, _condition({"reference": f"Patient/{PATIENT_ID}/_history/2"}), None),
    (PATIENT_ID, _condition({"reference": f"https://ehr.example/fhir/Patient/{PATIENT_ID}"}), None),
    (PATIENT_ID, _condition({"reference": f"Patient/{PATIENT_ID}4"}), "refers to another patient"),
    (PATIENT_ID, _condition({"reference": f"Group/{PATIENT_ID}"}), "no patient reference"),
    (PATIENT_ID, _condition(None, patient={"reference": f"Patient/{PATIENT_ID}"}), None),
    (  # a subject that is not a Reference: the patient element is read instead
        PATIENT_ID,
        _condition(f"Patient/{PATIENT_ID}", patient={"reference": f"Patient/{PATIENT_ID}"}),
        None,
    ),
    (  # the subject wins over the patient element
        PATIENT_ID,
        _condition({"reference": "Patient/other"}, patient={"reference": f"Patient/{PATIENT_ID}"}),
        "refers to another patient",
    ),
    ("p/1", _condition({"reference": "Patient/p/1"}), "no patient reference"),
    (LONG_ID, _condition({"reference": f"Patient/{LONG_ID}"}), "no patient reference"),
    ("p1\n", _condition({"reference": "Patient/p1\n"}), "refers to another patient"),
]


@pytest.mark.parametrize(("patient_id", "resource", "expected"), CASES)
def test_check_belongs_reads_the_reference(
    patient_id: str, resource: dict[str, Any], expected: str | None
) -> None:
    assert check_belongs(resource, patient_id, "Condition") == expected


@pytest.mark.parametrize(("patient_id", "resource", "expected"), CASES)
async def test_collector_gives_the_same_answer(
    patient_id: str, resource: dict[str, Any], expected: str | None
) -> None:
    prefetch: dict[str, Any] = {}
    for spec in searches():
        if "?" not in spec.template:
            prefetch[spec.key] = {"resourceType": "Patient", "id": patient_id}
        else:
            prefetch[spec.key] = bundle(resource) if spec.resource_type == "Condition" else bundle()
    collector = PrefetchCollector(None, max_entries=100, deadline_seconds=1.0)
    got = await collector.collect(
        searches(), context={"patientId": patient_id}, prefetch=prefetch, server=None
    )
    conditions = [r for r in got.resources if r["resourceType"] == "Condition"]
    if expected is None:
        assert conditions == [resource]
        assert got.skipped == []
    else:
        assert conditions == []
        assert got.skipped == [Skipped(reference="Condition/c1", reason=expected)]
