"""Fallback fetches through the whole app: the token goes to the FHIR server, failures give 412.

If required data is neither prefetched nor retrievable the answer is 412 Precondition Failed
with an OperationOutcome naming the prefetch keys and why (CDS Hooks 2.0.1 l.282, 533-539).
Nothing may hang (deadline), follow a redirect, leave the FHIR server's origin, or 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from cards.models import CdsResponse
from cds.engine import SKIPPED_EXTENSION
from cds.replay.fhir_query import parse_query, read, search
from tests.conftest import FHIR_BASE, FIXED_NOW, make_settings, running_app
from tests.service.builders import (
    PATIENT_ID,
    PV,
    SNOMED,
    TOKEN,
    bundle,
    condition,
    fhir_url,
    full_prefetch,
    key_for,
    patient,
    request,
    searches,
)


def _condition_spec() -> Any:
    key = key_for("Condition")
    return next(s for s in searches() if s.key == key)


def _without_conditions() -> dict[str, Any]:
    prefetch = full_prefetch()
    del prefetch[key_for("Condition")]
    return prefetch


def _assert_412(response: httpx.Response, key: str, reason: str) -> None:
    assert response.status_code == 412, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    issue = next(i for i in body["issue"] if i["expression"] == [f"prefetch.{key}"])
    assert issue["code"] == "incomplete"
    assert reason in issue["diagnostics"]
    assert PATIENT_ID not in response.text
    assert TOKEN not in response.text


async def test_fallback_fetch_sends_the_token_and_returns_cards(tmp_path: Path) -> None:
    spec = _condition_spec()
    async with running_app(make_settings(tmp_path)) as client:
        with respx.mock(assert_all_called=True) as mock:
            route = mock.get(fhir_url(spec)).respond(json=bundle(condition("c1")))
            response = await client.post(PV, json=request(prefetch=_without_conditions()))
    assert response.status_code == 200, response.text
    CdsResponse.model_validate(response.json())
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_nothing_prefetched_everything_fetched(tmp_path: Path) -> None:
    async with running_app(make_settings(tmp_path)) as client:
        with respx.mock(assert_all_called=True) as mock:
            for spec in searches():
                body = patient() if "?" not in spec.template else bundle()
                mock.get(fhir_url(spec)).respond(json=body)
            response = await client.post(PV, json=request())
    assert response.status_code == 200, response.text
    assert all(call.request.headers["Authorization"] == f"Bearer {TOKEN}" for call in mock.calls)


async def test_no_fhir_server_means_412(tmp_path: Path) -> None:
    async with running_app(make_settings(tmp_path)) as client, respx.mock() as mock:
        response = await client.post(PV, json=request(prefetch=_without_conditions(), fhir=False))
    _assert_412(response, key_for("Condition"), "no fhirServer")
    assert mock.calls.call_count == 0


async def _slow(_request: httpx.Request) -> httpx.Response:
    await asyncio.sleep(5)
    return httpx.Response(200, json=bundle())


FAILURES: list[tuple[str, Callable[[respx.Route], Any], str]] = [
    ("401", lambda r: r.respond(401), "HTTP 401"),
    ("403", lambda r: r.respond(403), "HTTP 403"),
    ("404", lambda r: r.respond(404), "HTTP 404"),
    ("500", lambda r: r.respond(500), "HTTP 500"),
    ("503", lambda r: r.respond(503), "HTTP 503"),
    ("timeout", lambda r: r.mock(side_effect=httpx.ReadTimeout), "connection failed"),
    ("refused", lambda r: r.mock(side_effect=httpx.ConnectError), "connection failed"),
    ("slow", lambda r: r.mock(side_effect=_slow), "no answer within"),
    ("not json", lambda r: r.respond(200, text="<html>"), "not JSON"),
    ("not a bundle", lambda r: r.respond(200, json=patient()), "expected a Bundle"),
    ("json array", lambda r: r.respond(200, json=[1, 2]), "not a FHIR resource"),
    (
        "outcome",
        lambda r: r.respond(200, json={"resourceType": "OperationOutcome", "issue": []}),
        "OperationOutcome",
    ),
    (
        "entry not a list",
        lambda r: r.respond(200, json={"resourceType": "Bundle", "entry": "x"}),
        "entry is not a list",
    ),
    (
        "link not a list",
        lambda r: r.respond(200, json={"resourceType": "Bundle", "link": {"url": "x"}}),
        "link is not a list",
    ),
]


@pytest.mark.parametrize(("label", "setup", "reason"), FAILURES, ids=[f[0] for f in FAILURES])
async def test_fetch_failure_means_412(
    tmp_path: Path, label: str, setup: Callable[[respx.Route], Any], reason: str
) -> None:
    async with running_app(make_settings(tmp_path, fhir_timeout_seconds=0.3)) as client:
        # a call cancelled by our timeout is not recorded by respx: assert_all_called=False
        with respx.mock(assert_all_called=label != "slow") as mock:
            setup(mock.get(fhir_url(_condition_spec())))
            response = await client.post(PV, json=request(prefetch=_without_conditions()))
    _assert_412(response, key_for("Condition"), reason)


async def test_redirect_is_not_followed(tmp_path: Path) -> None:
    async with running_app(make_settings(tmp_path)) as client:
        with respx.mock(assert_all_called=False) as mock:
            mock.get(fhir_url(_condition_spec())).respond(
                302, headers={"Location": "https://evil.example.com/steal"}
            )
            evil = mock.get(url__startswith="https://evil.example.com").respond(json=bundle())
            response = await client.post(PV, json=request(prefetch=_without_conditions()))
    _assert_412(response, key_for("Condition"), "HTTP 302")
    assert not evil.called


async def test_next_link_to_another_origin_is_not_followed(tmp_path: Path) -> None:
    prefetch = full_prefetch()
    prefetch[key_for("Condition")] = bundle(
        condition("c1"), next_url="https://evil.example.com/fhir/Condition?page=2"
    )
    async with running_app(make_settings(tmp_path)) as client:
        with respx.mock(assert_all_mocked=True) as mock:
            response = await client.post(PV, json=request(prefetch=prefetch))
    _assert_412(response, key_for("Condition"), "leaves the FHIR server")
    assert mock.calls.call_count == 0


async def test_endless_next_pages_stop_at_the_page_limit(tmp_path: Path) -> None:
    """Past CDS_MAX_PAGES the search is dropped: its type is "not retrieved", the call answers."""
    prefetch = _without_conditions()

    def endless(req: httpx.Request) -> httpx.Response:
        page = int(req.url.params.get("page", "1"))
        return httpx.Response(
            200, json=bundle(next_url=f"{FHIR_BASE}/Condition?loop=1&page={page + 1}")
        )

    async with running_app(make_settings(tmp_path, max_pages=4)) as client:
        with respx.mock(assert_all_called=True) as mock:
            route = mock.get(url__startswith=f"{FHIR_BASE}/Condition").mock(side_effect=endless)
            response = await client.post(PV, json=request(prefetch=prefetch))
    assert response.status_code == 200, response.text
    assert route.call_count == 5  # the first page and 4 followed pages
    assert _skipped(response) == {"Condition": 1}


async def test_total_deadline_bounds_all_fetches(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, fhir_timeout_seconds=5.0, fetch_deadline_seconds=0.3)
    loop = asyncio.get_running_loop()
    async with running_app(settings) as client:
        # a cancelled call is not recorded by respx, hence assert_all_called=False
        with respx.mock(assert_all_called=False) as mock:
            mock.get(fhir_url(_condition_spec())).mock(side_effect=_slow)
            started = loop.time()
            response = await client.post(PV, json=request(prefetch=_without_conditions()))
            elapsed = loop.time() - started
    _assert_412(response, key_for("Condition"), "CDS_FETCH_DEADLINE_SECONDS")
    assert elapsed < 2.0


async def test_fhir_server_not_on_the_allowlist_is_refused_before_any_request(
    tmp_path: Path,
) -> None:
    body = request(prefetch=_without_conditions())
    body["fhirServer"] = "https://intranet.example.net/fhir"
    async with running_app(make_settings(tmp_path)) as client:
        with respx.mock(assert_all_mocked=True) as mock:
            response = await client.post(PV, json=body)
    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"
    assert mock.calls.call_count == 0


async def test_too_many_fetched_entries_leave_that_search_not_retrieved(tmp_path: Path) -> None:
    many = bundle(*(condition(f"c{i}") for i in range(30)))
    async with running_app(make_settings(tmp_path, max_prefetch_entries=10)) as client:
        with respx.mock(assert_all_called=True) as mock:
            mock.get(fhir_url(_condition_spec())).respond(json=many)
            response = await client.post(PV, json=request(prefetch=_without_conditions()))
    assert response.status_code == 200, response.text
    assert _skipped(response) == {"Condition": 1}


def _skipped(response: httpx.Response) -> dict[str, int]:
    """The response's count of left-out resources by type (the engine's extension)."""
    extension = response.json().get("extension") or {}
    found: dict[str, int] = extension.get(SKIPPED_EXTENSION, {}).get("byResourceType", {})
    return found


# --- a FHIR server that pages 20 a page, whatever ``_count`` asks (a common server default) ---

PER_PAGE = 20


def _paging_server(mock: respx.MockRouter, chart: list[dict[str, Any]]) -> list[httpx.Request]:
    """Answers every read and search from ``chart`` (searches filtered as a FHIR server would,
    by ``cds.replay.fhir_query``), ``PER_PAGE`` entries a page with ``next`` links; returns the
    requests it saw."""
    seen: list[httpx.Request] = []

    def answer(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        query = str(req.url).removeprefix(FHIR_BASE + "/")
        kind, ident, params = parse_query(query)
        if ident is not None:
            return httpx.Response(200, json=read(chart, kind, ident))
        page = int(req.url.params.get("_page", "0"))
        found = search(chart, kind, [(k, v) for k, v in params if k != "_page"])
        more = len(found) > (page + 1) * PER_PAGE
        next_url = str(req.url.copy_set_param("_page", page + 1)) if more else None
        return httpx.Response(
            200, json=bundle(*found[page * PER_PAGE : (page + 1) * PER_PAGE], next_url=next_url)
        )

    mock.get(url__startswith=FHIR_BASE + "/").mock(side_effect=answer)
    return seen


def _procedure(pid: str, when: datetime) -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "id": pid,
        "status": "completed",
        "category": {"coding": [{"system": SNOMED, "code": "387713003"}]},  # surgical procedure
        "code": {"coding": [{"system": SNOMED, "code": "71388002", "display": "Procedure"}]},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "performedDateTime": when.isoformat(),
    }


def _medication(mid: str, status: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": mid,
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "197361"}]
        },
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "authoredOn": "2020-01-01",
    }


def _long_chart() -> list[dict[str, Any]]:
    """Ten years of a long chart: 400 procedures (3 in the last weeks), 250 stopped and 10
    active medication orders, a calf-pain complaint."""
    procedures = [
        _procedure(f"proc-{i}", FIXED_NOW - timedelta(days=9 * i + (5 if i < 3 else 200)))
        for i in range(400)
    ]
    medications = [_medication(f"med-{i}", "stopped") for i in range(250)]
    medications += [_medication(f"med-a{i}", "active") for i in range(10)]
    return [patient(), condition("c1"), *procedures, *medications]


async def test_a_long_chart_on_a_twenty_per_page_server_answers(tmp_path: Path) -> None:
    """Large pages asked for (this server ignores it), medication orders only in the statuses
    read, pages followed up to CDS_MAX_PAGES: an ordinary long chart answers, never a 412."""
    async with running_app(make_settings(tmp_path)) as client:
        with respx.mock(assert_all_called=True) as mock:
            seen = _paging_server(mock, _long_chart())
            response = await client.post(PV, json=request())
    assert response.status_code == 200, response.text
    searched = [r.url for r in seen if "?" in str(r.url) and "_page" not in r.url.params]
    assert all(url.params["_count"] == "100" for url in searched)
    meds = next(url for url in searched if url.path.endswith("/MedicationRequest"))
    assert meds.params["status"] == "active,on-hold,completed"
    # 400 procedures: 20 pages of 20, within CDS_MAX_PAGES; the medication orders: one page
    assert sum(r.url.path.endswith("/Procedure") for r in seen) == 20
    assert sum(r.url.path.endswith("/MedicationRequest") for r in seen) == 1


async def test_a_chart_past_the_page_limit_says_not_retrieved_on_the_card(
    tmp_path: Path,
) -> None:
    """More recent procedures than CDS_MAX_PAGES pages hold: surgery is "not available" on the
    card (not absent, not a 412 for every chart-open)."""
    chart = [patient(), condition("c1")]
    chart += [_procedure(f"proc-{i}", FIXED_NOW - timedelta(days=1 + i % 60)) for i in range(200)]
    async with running_app(make_settings(tmp_path, max_pages=3)) as client:
        with respx.mock(assert_all_called=True) as mock:
            _paging_server(mock, chart)
            response = await client.post(PV, json=request())
    assert response.status_code == 200, response.text
    assert _skipped(response) == {"Procedure": 1}
    assert "surgery: Procedure data not" in response.text  # "not retrieved", not "absent"


async def test_malformed_prefetch_is_never_read_as_no_data(tmp_path: Path) -> None:
    """``"entry": "x"`` for the Conditions: fetched from the fhirServer (the cancer counts), or
    412 without one, never a 200 in which the recorded cancer silently drops out."""
    prefetch = full_prefetch("patient-view", condition("c1"))
    prefetch[key_for("Condition")] = {"resourceType": "Bundle", "type": "searchset", "entry": "x"}
    cancer = condition("c2", code="363346000")  # malignant neoplastic disease
    async with running_app(make_settings(tmp_path)) as client:
        with respx.mock(assert_all_called=True) as mock:
            mock.get(fhir_url(_condition_spec())).respond(json=bundle(condition("c1"), cancer))
            fetched = await client.post(PV, json=request(prefetch=prefetch))
        with respx.mock(assert_all_mocked=True) as mock:
            alone = await client.post(PV, json=request(prefetch=prefetch, fhir=False))
    assert fetched.status_code == 200, fetched.text
    assert "no active cancer" not in fetched.text
    _assert_412(alone, key_for("Condition"), "no fhirServer")
