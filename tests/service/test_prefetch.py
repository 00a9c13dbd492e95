"""Prefetch semantics (CDS Hooks 2.0.1 l.275-282) and the defensive re-checks of prefetched data.

    present -> used, nothing fetched      null -> "looked, nothing", nothing fetched
    absent  -> fetched with the token     empty Bundle -> no results, nothing fetched
    OperationOutcome -> fetched           paged Bundle -> next pages fetched

The collector runs against a respx-mocked FHIR server; respx's ``assert_all_called`` and the
global "no unmatched request" rule prove which requests were (not) made.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from cds.errors import PreconditionFailed
from cds.fhir_client import FhirClient, FhirServer, make_http_client
from cds.prefetch import Collected, PrefetchCollector, check_belongs, render_template
from fhir_mappings.features import Skipped
from fhir_mappings.sources import SearchSpec
from tests.conftest import FHIR_BASE, make_settings
from tests.service.builders import (
    PATIENT_ID,
    TOKEN,
    bundle,
    condition,
    fhir_url,
    full_prefetch,
    key_for,
    outcome,
    patient,
    searches,
)

CONTEXT = {"userId": "Practitioner/doc-1", "patientId": PATIENT_ID}


@pytest.fixture
async def collector(tmp_path: Any) -> AsyncIterator[PrefetchCollector]:
    settings = make_settings(tmp_path, max_pages=3)
    async with make_http_client(settings) as http:
        yield PrefetchCollector(
            FhirClient(http, settings),
            max_entries=settings.max_prefetch_entries,
            deadline_seconds=settings.fetch_deadline_seconds,
        )


async def _collect(
    collector: PrefetchCollector, prefetch: dict[str, Any] | None, *, server: bool = True
) -> Collected:
    return await collector.collect(
        searches(),
        context=CONTEXT,
        prefetch=prefetch,
        server=FhirServer(FHIR_BASE, TOKEN) if server else None,
    )


def _ids(collected: Collected, kind: str) -> list[str]:
    return [r["id"] for r in collected.resources if r["resourceType"] == kind]


@respx.mock(assert_all_mocked=True)
async def test_everything_prefetched_makes_no_request(collector: PrefetchCollector) -> None:
    got = await _collect(collector, full_prefetch("patient-view", condition("c1")))
    assert _ids(got, "Condition") == ["c1"]
    assert _ids(got, "Patient") == [PATIENT_ID]
    assert got.available == {s.resource_type for s in searches()}
    assert got.fetched_keys == []
    assert respx.calls.call_count == 0


@pytest.mark.parametrize(
    ("value", "label"), [(None, "null: looked, nothing"), (bundle(), "empty Bundle: no results")]
)
@respx.mock(assert_all_mocked=True)
async def test_null_and_empty_bundle_are_data_not_gaps(
    collector: PrefetchCollector, value: Any, label: str
) -> None:
    prefetch = full_prefetch()
    prefetch[key_for("Condition")] = value
    got = await _collect(collector, prefetch)
    assert "Condition" in got.available, label
    assert _ids(got, "Condition") == []
    assert respx.calls.call_count == 0


@pytest.mark.parametrize(
    ("value", "label"),
    [("absent", "key missing"), (outcome(), "OperationOutcome"), ("123", "not a resource")],
)
async def test_missing_or_failed_prefetch_is_fetched_with_the_token(
    collector: PrefetchCollector, value: Any, label: str
) -> None:
    prefetch = full_prefetch()
    key = key_for("Condition")
    if value == "absent":
        del prefetch[key]
    else:
        prefetch[key] = value
    spec = next(s for s in searches() if s.key == key)
    with respx.mock(assert_all_called=True) as mock:
        route = mock.get(fhir_url(spec)).respond(json=bundle(condition("c9")))
        got = await _collect(collector, prefetch)
    assert _ids(got, "Condition") == ["c9"], label
    assert got.fetched_keys == [key]
    sent = route.calls.last.request
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["Accept"] == "application/fhir+json"


async def test_nothing_prefetched_fetches_every_search_concurrently(
    collector: PrefetchCollector,
) -> None:
    with respx.mock(assert_all_called=True) as mock:
        for spec in searches():
            if "?" in spec.template:
                body = bundle(condition("c1")) if spec.resource_type == "Condition" else bundle()
            else:
                body = patient()
            mock.get(fhir_url(spec)).respond(json=body)
        got = await _collect(collector, None)
    assert sorted(got.fetched_keys) == sorted(s.key for s in searches())
    assert _ids(got, "Condition") == ["c1"]
    assert _ids(got, "Patient") == [PATIENT_ID]


async def test_paged_prefetch_bundle_follows_next_on_the_fhir_server(
    collector: PrefetchCollector,
) -> None:
    prefetch = full_prefetch()
    page2 = f"{FHIR_BASE}/Condition?patient={PATIENT_ID}&_page=2"
    page3 = f"{FHIR_BASE}/Condition?patient={PATIENT_ID}&_page=3"
    prefetch[key_for("Condition")] = bundle(condition("c1"), next_url=page2)
    with respx.mock(assert_all_called=True) as mock:
        mock.get(page2).respond(json=bundle(condition("c2"), next_url=page3))
        mock.get(page3).respond(json=bundle(condition("c3")))
        got = await _collect(collector, prefetch)
    assert _ids(got, "Condition") == ["c1", "c2", "c3"]


async def test_paged_search_result_is_followed(collector: PrefetchCollector) -> None:
    prefetch = full_prefetch()
    key = key_for("Condition")
    del prefetch[key]
    spec = next(s for s in searches() if s.key == key)
    page2 = f"{FHIR_BASE}/Condition?_getpages=abc&_page=2"
    with respx.mock(assert_all_called=True) as mock:
        mock.get(fhir_url(spec)).respond(json=bundle(condition("c1"), next_url=page2))
        mock.get(page2).respond(json=bundle(condition("c2")))
        got = await _collect(collector, prefetch)
    assert _ids(got, "Condition") == ["c1", "c2"]


@respx.mock(assert_all_mocked=True)
async def test_prefetched_resources_are_rechecked(collector: PrefetchCollector) -> None:
    """Another patient's record, a wrong type or no subject is left out and reported."""
    prefetch = full_prefetch()
    no_subject = condition("c4")
    del no_subject["subject"]
    prefetch[key_for("Condition")] = bundle(
        condition("c1"),
        condition("c2", pid="someone-else"),
        patient("p-x"),
        no_subject,
        {
            "resourceType": "Condition",
            "id": "c5",
            "subject": {"reference": f"https://ehr.example.org/fhir/Patient/{PATIENT_ID}"},
        },
    )
    got = await _collect(collector, prefetch)
    assert _ids(got, "Condition") == ["c1", "c5"]
    reasons = sorted(s.reason for s in got.skipped)
    assert reasons == [
        "a Patient where Condition was expected",
        "no patient reference",
        "refers to another patient",
    ]
    assert all(PATIENT_ID not in s.reference for s in got.skipped)


async def test_prefetched_patient_with_another_id_is_fetched_again(
    collector: PrefetchCollector,
) -> None:
    prefetch = full_prefetch()
    patient_key = key_for("Patient")
    prefetch[patient_key] = patient("not-our-patient")
    spec = next(s for s in searches() if s.key == patient_key)
    with respx.mock(assert_all_called=True) as mock:
        mock.get(fhir_url(spec)).respond(json=patient())
        got = await _collect(collector, prefetch)
    assert _ids(got, "Patient") == [PATIENT_ID]


@respx.mock(assert_all_mocked=True)
async def test_same_resource_from_two_searches_counts_once(collector: PrefetchCollector) -> None:
    prefetch = full_prefetch("patient-view", condition("c1"))
    prefetch[key_for("Condition")]["entry"].append({"resource": condition("c1")})
    got = await _collect(collector, prefetch)
    assert _ids(got, "Condition") == ["c1"]


@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [
        ("Patient/{{context.patientId}}", {"patientId": "a1"}, "Patient/a1"),
        (
            "Observation?patient={{context.patientId}}&encounter={{ context.encounterId }}",
            {"patientId": "a1", "encounterId": "e.9"},
            "Observation?patient=a1&encounter=e.9",
        ),
        (
            "PractitionerRole?_id={{userPractitionerRoleId}}",
            {"userId": "PractitionerRole/r-7"},
            "PractitionerRole?_id=r-7",
        ),
        ("Patient/{{context.patientId}}", {"patientId": "a/b&c"}, "Patient/a%2Fb%26c"),
        ("Patient/{{context.patientId}}", {"patientId": "a_b~c-1.2"}, "Patient/a_b~c-1.2"),
        ("Patient/{{context.patientId}}", {"patientId": "ä b\n"}, "Patient/%C3%A4%20b%0A"),
        ("Observation?count={{context.n}}&x=1", {"n": 7}, "Observation?count=7&x=1"),
    ],
)
def test_render_template(template: str, context: dict[str, Any], expected: str) -> None:
    assert render_template(template, context) == expected


@pytest.mark.parametrize(
    ("template", "context"),
    [
        ("Encounter/{{context.encounterId}}", {"patientId": "a1"}),
        ("Practitioner/{{userPractitionerId}}", {"userId": "PractitionerRole/r-7"}),
        ("X?y={{context.draftOrders}}", {"draftOrders": {"resourceType": "Bundle"}}),
    ],
)
def test_unresolvable_template_tokens(template: str, context: dict[str, Any]) -> None:
    from cds.prefetch import UnresolvableTemplate

    with pytest.raises(UnresolvableTemplate):
        render_template(template, context)


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (condition("c1"), None),
        (condition("c1", pid="other"), "refers to another patient"),
        ({"resourceType": "AllergyIntolerance", "patient": {"reference": "Patient/pat-123"}}, None),
        (
            {"resourceType": "Observation", "subject": {"reference": "Group/g1"}},
            "no patient reference",
        ),
        ({"resourceType": "Observation"}, "no patient reference"),
        ("not a dict", "not a FHIR resource"),
        ({"id": "x"}, "no resourceType"),
        (patient(), None),
        (patient("other"), "another patient"),
    ],
)
def test_check_belongs(resource: Any, expected: str | None) -> None:
    assert check_belongs(resource, PATIENT_ID, None) == expected


async def test_httpx_client_never_follows_redirects(tmp_path: Any) -> None:
    async with make_http_client(make_settings(tmp_path)) as client:
        assert client.follow_redirects is False
        assert client.timeout == httpx.Timeout(1.0)


# --- a prefetch value we cannot read is a failed prefetch, never "no data" ---------------------

MALFORMED: list[tuple[str, Any]] = [
    ("entry a string", {"resourceType": "Bundle", "type": "searchset", "entry": "x"}),
    ("entry an object", {"resourceType": "Bundle", "entry": {"resource": condition("c1")}}),
    ("entry a number", {"resourceType": "Bundle", "entry": 5}),
    ("entry null", {"resourceType": "Bundle", "entry": None}),
    ("link a string", {"resourceType": "Bundle", "entry": [], "link": "next"}),
    ("a resource, not a Bundle", condition("c1")),
    ("no resourceType", {"entry": [{"resource": condition("c1")}]}),
    ("a list", [{"resource": condition("c1")}]),
    ("a string", "Bundle"),
    ("a number", 0),
]


@pytest.mark.parametrize(("label", "value"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_malformed_prefetch_is_fetched_again(
    collector: PrefetchCollector, label: str, value: Any
) -> None:
    prefetch = full_prefetch()
    key = key_for("Condition")
    prefetch[key] = value
    spec = next(s for s in searches() if s.key == key)
    with respx.mock(assert_all_called=True) as mock:
        mock.get(fhir_url(spec)).respond(json=bundle(condition("c9", code="363346000")))
        got = await _collect(collector, prefetch)
    assert _ids(got, "Condition") == ["c9"], label  # the cancer is read, not silently dropped
    assert got.fetched_keys == [key]


@pytest.mark.parametrize(("label", "value"), MALFORMED, ids=[m[0] for m in MALFORMED])
@respx.mock(assert_all_mocked=True)
async def test_malformed_prefetch_without_a_fhir_server_is_412(
    collector: PrefetchCollector, label: str, value: Any
) -> None:
    prefetch = full_prefetch()
    key = key_for("Condition")
    prefetch[key] = value
    with pytest.raises(PreconditionFailed) as caught:
        await _collect(collector, prefetch, server=False)
    assert [i.expression for i in caught.value.issues] == [[f"prefetch.{key}"]], label
    assert "no fhirServer" in caught.value.message
    assert respx.calls.call_count == 0


@pytest.mark.parametrize(
    "value", [{"resourceType": "Bundle", "entry": []}, "Patient", {"resourceType": "Condition"}]
)
async def test_malformed_patient_read_is_fetched_again(
    collector: PrefetchCollector, value: Any
) -> None:
    prefetch = full_prefetch()
    key = key_for("Patient")
    prefetch[key] = value
    spec = next(s for s in searches() if s.key == key)
    with respx.mock(assert_all_called=True) as mock:
        mock.get(fhir_url(spec)).respond(json=patient())
        got = await _collect(collector, prefetch)
    assert _ids(got, "Patient") == [PATIENT_ID]


# --- a search past the limits: that type is "not retrieved", the others answer ----------------


async def test_a_type_is_available_only_if_all_its_searches_completed(tmp_path: Any) -> None:
    """Two Observation searches (a split code list): one completes, one has too many pages."""
    first = SearchSpec("observations", "Observation", "Observation?patient={{context.patientId}}")
    second = SearchSpec("observations-2", "Observation", "Observation?code=x")
    specs = (*[s for s in searches() if s.resource_type != "Observation"], first, second)
    prefetch = {s.key: bundle() for s in specs if "?" in s.template}
    prefetch[key_for("Patient")] = patient()
    prefetch["observations"] = bundle(_observation("o1"))
    prefetch["observations-2"] = bundle(
        _observation("o2"), next_url=f"{FHIR_BASE}/Observation?page=2"
    )
    settings = make_settings(tmp_path, max_pages=2)
    async with make_http_client(settings) as http:
        collector = PrefetchCollector(
            FhirClient(http, settings), max_entries=100, deadline_seconds=2.0
        )
        with respx.mock(assert_all_called=True) as mock:
            pages = mock.get(url__startswith=f"{FHIR_BASE}/Observation?page=").mock(
                side_effect=lambda req: httpx.Response(
                    200, json=bundle(next_url=str(req.url) + "0")
                )
            )
            got = await collector.collect(
                specs, context=CONTEXT, prefetch=prefetch, server=FhirServer(FHIR_BASE, TOKEN)
            )
    assert pages.call_count == 2
    assert "Observation" not in got.available
    assert {"Patient", "Condition"} <= got.available
    assert _ids(got, "Observation") == ["o1"]  # the completed search's, not the dropped one's
    assert got.skipped == [
        Skipped(
            reference="Observation",
            reason="more than 2 pages (CDS_MAX_PAGES); Observation data not retrieved",
        )
    ]


def _observation(oid: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
    }
