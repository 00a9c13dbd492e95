"""Arbitrary FHIR-shaped prefetch through the whole service (hypothesis, in process).

The mapping layer has its own property tests (tests/fhir_mappings); this one goes through HTTP,
request models, prefetch checks, mapping, triage and card rendering together: a prefetch full of
plausible-but-wrong FHIR (real codes with wrong types, bad dates, foreign patients, junk values,
OperationOutcomes, nulls) may give cards, a 412 or a 4xx, but never a 5xx, and every 200 is a
valid CDS Hooks response.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cards.models import CdsResponse
from tests.conftest import make_settings, running_app
from tests.service.builders import PATIENT_ID, full_prefetch, searches

PID = "pat-fuzz-1"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
# Real codes from docs/clinical-basis.md §2, so the mapping and triage paths are reached.
CODINGS = [
    (SNOMED, "300954003"),  # pain in calf
    (SNOMED, "449614009"),  # swelling of lower limb
    (SNOMED, "267036007"),  # dyspnoea
    (SNOMED, "363346000"),  # malignant neoplastic disease
    (SNOMED, "192970008"),  # cauda equina syndrome
    (ICD10, "M79.662"),  # pain in left lower leg
    (ICD10, "I82.401"),  # acute DVT, right leg
    (LOINC, "48065-7"),  # D-dimer FEU
    (LOINC, "8867-4"),  # heart rate
    (LOINC, "59408-5"),  # SpO2
    (LOINC, "2823-3"),  # potassium
]

_junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
_coding = st.sampled_from(CODINGS).map(
    lambda c: {"system": c[0], "code": c[1]}
) | st.fixed_dictionaries({"system": st.text(max_size=10), "code": st.text(max_size=10)})
_concept = st.one_of(
    st.fixed_dictionaries({"coding": st.lists(_coding, min_size=1, max_size=2)}), _junk
)
_when = (
    st.sampled_from(
        [
            "2025-02-28T10:00:00Z",
            "2025-03-01",
            "2024-01",
            "1900-01-01",
            "9999-12-31T23:59:59Z",
            "not a date",
            "2025-02-30T10:00:00Z",
            "",
        ]
    )
    | _junk
)
_quantity = st.one_of(
    st.fixed_dictionaries(
        {
            "value": st.one_of(
                st.floats(allow_nan=False, allow_infinity=False),
                st.integers(-(10**12), 10**12),
                st.text(max_size=4),
            ),
            "unit": st.sampled_from(["ng/mL", "ug/mL", "mg/L", "/min", "%", "Cel", "furlong", ""]),
            "system": st.just("http://unitsofmeasure.org"),
            "code": st.sampled_from(["ng/mL", "ug/mL", "mg/L", "/min", "%", "Cel", "[degF]", "x"]),
        }
    ),
    _junk,
)
_subject = (
    st.sampled_from(
        [
            {"reference": f"Patient/{PID}"},
            {"reference": "Patient/someone-else"},
            {"reference": 7},
            {},
        ]
    )
    | _junk
)
_status = (
    st.sampled_from(
        ["final", "amended", "preliminary", "entered-in-error", "cancelled", "active", "???"]
    )
    | _junk
)
_clinical = st.sampled_from(["active", "resolved", "recurrence", "inactive", "bogus"]).map(
    lambda c: {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": c}
        ]
    }
)
_observation = st.fixed_dictionaries(
    {
        "resourceType": st.just("Observation"),
        "id": st.text(min_size=1, max_size=8),
        "status": _status,
        "code": _concept,
        "subject": _subject,
        "effectiveDateTime": _when,
    },
    optional={
        "valueQuantity": _quantity,
        "valueBoolean": st.booleans(),
        "bodySite": _concept,
        "interpretation": st.lists(_concept, max_size=2),
    },
)
_condition = st.fixed_dictionaries(
    {
        "resourceType": st.just("Condition"),
        "id": st.text(min_size=1, max_size=8),
        "code": _concept,
        "subject": _subject,
    },
    optional={
        "clinicalStatus": _clinical | _junk,
        "onsetDateTime": _when,
        "recordedDate": _when,
        "bodySite": st.lists(_concept, max_size=2),
    },
)
_resource = st.one_of(
    _observation,
    _condition,
    st.fixed_dictionaries({"resourceType": st.sampled_from(["Patient", "Procedure", "Foo"])}),
    _junk,
)


def _bundle(resources: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    entries = st.lists(st.fixed_dictionaries({"resource": resources}), max_size=6)
    searchset = st.fixed_dictionaries(
        {"resourceType": st.just("Bundle"), "type": st.just("searchset"), "entry": entries}
    )
    # Mostly usable Bundles (so mapping, triage and cards run), sometimes the values that make
    # the service fetch for itself (OperationOutcome, junk) and hence answer 412 here.
    return st.one_of(
        searchset,
        searchset,
        searchset,
        st.none(),
        st.just({"resourceType": "OperationOutcome", "issue": []}),
        _junk,
    )


_patient = st.one_of(
    st.fixed_dictionaries(
        {
            "resourceType": st.just("Patient"),
            "id": st.just(PID),
            "birthDate": _when,
            "gender": st.sampled_from(["male", "female", "other", "?"]),
        }
    ),
    st.fixed_dictionaries(
        {
            "resourceType": st.just("Patient"),
            "id": st.sampled_from([PID, "someone-else"]),
            "birthDate": _when,
        }
    ),
    st.none(),
    _junk,
)
_BY_TYPE = {
    "Patient": _patient,
    "Condition": _bundle(_condition | _resource),
    "Observation": _bundle(_observation | _resource),
}
# every key discovery advertises (the Observation search may be split in several)
_prefetch = st.fixed_dictionaries(
    {s.key: _BY_TYPE.get(s.resource_type, _bundle(_resource)) for s in searches("patient-view")},
    optional={"unexpected-key": _junk},
)

ALLOWED = {200, 400, 412, 413, 422}


@dataclass
class Portal:
    """The started app, driven from hypothesis' synchronous examples through an anyio portal."""

    portal: BlockingPortal
    client: httpx.AsyncClient

    def post(self, url: str, body: dict[str, Any]) -> httpx.Response:
        return self.portal.call(partial(self.client.post, url, json=body))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    tmp: Path = tmp_path_factory.mktemp("prefetch-fuzz")
    settings = make_settings(tmp, fhir_allowlist=[])
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(running_app(settings)) as client,
    ):
        yield Portal(portal, client)


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(prefetch=_prefetch)
def test_fhir_shaped_prefetch_never_breaks_the_service(
    app: Portal, prefetch: dict[str, Any]
) -> None:
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/doc-1", "patientId": PID},
        "prefetch": prefetch,
    }
    r = app.post("/cds-services/calf-pain-patient-view", body)
    event(f"HTTP {r.status_code}")  # --hypothesis-show-statistics shows the spread
    assert r.status_code in ALLOWED, r.text[:500]
    if r.status_code == 200:
        CdsResponse.model_validate(r.json())
    else:
        assert r.json()["resourceType"] == "OperationOutcome"
    assert "Traceback" not in r.text


_not_a_list = _junk.filter(lambda value: not isinstance(value, list))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(entry=_not_a_list, link=st.one_of(st.just([]), _not_a_list))
def test_a_bundle_that_cannot_be_read_is_never_no_data(app: Portal, entry: Any, link: Any) -> None:
    """Without a fhirServer to fetch it again, a Conditions Bundle whose entry (or link) is not
    a list is a 412, never a 200 that reads it as "no Conditions"."""
    prefetch = full_prefetch("patient-view")
    key = next(s.key for s in searches("patient-view") if s.resource_type == "Condition")
    prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": entry, "link": link}
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/doc-1", "patientId": PATIENT_ID},
        "prefetch": prefetch,
    }
    r = app.post("/cds-services/calf-pain-patient-view", body)
    assert r.status_code == 412, r.text[:500]
    issues = r.json()["issue"]
    assert [i["expression"] for i in issues] == [[f"prefetch.{key}"]]  # only the Conditions
