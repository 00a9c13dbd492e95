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

from cds.fhir_client import FhirClient, FhirServer, make_http_client
from cds.prefetch import (
    Collected,
    PrefetchCollector,
    _reference,
    check_belongs,
    render_template,
)
from fhir_mappings.features import Skipped
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


def _general_take(entries: list[Any], patient_id: str, expected_type: str) -> Collected:
    """What ``_take_pages`` took before its shortcut for the usual entry: the general checks."""
    out = Collected()
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        search = entry.get("search") if isinstance(entry, dict) else None
        mode = search.get("mode") if isinstance(search, dict) else None
        if isinstance(resource, dict) and (
            mode == "outcome" or resource.get("resourceType") == "OperationOutcome"
        ):
            continue
        why = check_belongs(resource, patient_id, None if mode == "include" else expected_type)
        if why is None:
            out.add(resource)
        else:
            out.skipped.append(Skipped(reference=_reference(resource), reason=why))
    return out


def _variants(patient_id: str) -> list[Any]:
    subjects: list[Any] = [
        {"reference": f"Patient/{patient_id}"},
        {"reference": f"{FHIR_BASE}/Patient/{patient_id}"},
        {"reference": "Patient/someone-else"},
        {"reference": f"Patient/{patient_id}/_history/2"},
        {"display": "no reference"},
        "Patient/not-a-reference-object",
        None,
    ]
    entries: list[Any] = ["not an entry", {"search": {"mode": "match"}}]
    for mode in ("match", "include", "outcome", None):
        for kind in ("Condition", "Observation", "OperationOutcome"):
            for subject in subjects:
                for rid in ("c1", "c2", None):
                    resource: dict[str, Any] = {"resourceType": kind}
                    if rid is not None:
                        resource["id"] = rid
                    if subject is not None:
                        resource["subject"] = subject
                    entry: dict[str, Any] = {"resource": resource}
                    if mode is not None:
                        entry["search"] = {"mode": mode}
                    entries.append(entry)
                    if mode is None:  # a search element without a mode, and a malformed one
                        entries.append({"resource": resource, "search": {}})
                        entries.append({"resource": resource, "search": "match"})
    return entries + entries  # and each again: the same resource from another search


@pytest.mark.parametrize("patient_id", [PATIENT_ID, "a/b", "x"])
def test_the_usual_entry_shortcut_takes_what_the_general_checks_take(patient_id: str) -> None:
    """``_take_pages`` takes an in-match entry of the expected type whose subject is exactly
    ``Patient/<id>`` without the general checks (issue 7): same resources, same order, same
    skips and reasons, same de-duplication, on every combination around that shape."""
    entries = _variants(patient_id)
    spec = next(s for s in searches() if s.resource_type == "Condition")
    got = Collected()
    PrefetchCollector._take_pages(got, spec, [{"entry": entries}], patient_id)
    expected = _general_take(entries, patient_id, "Condition")
    assert [id(r) for r in got.resources] == [id(r) for r in expected.resources]
    assert got.skipped == expected.skipped
    if patient_id != "a/b":  # not a FHIR id: nothing can be this patient's
        assert got.resources  # the shortcut's shape is among the variants
