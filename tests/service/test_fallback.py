"""Fallback fetches through the whole app: the token goes to the FHIR server, failures give 412.

If required data is neither prefetched nor retrievable the answer is 412 Precondition Failed
with an OperationOutcome naming the prefetch keys and why (CDS Hooks 2.0.1 l.282, 533-539).
Nothing may hang (deadline), follow a redirect, leave the FHIR server's origin, or 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from cards.models import CdsResponse
from tests.conftest import FHIR_BASE, make_settings, running_app
from tests.service.builders import (
    PATIENT_ID,
    PV,
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
    _assert_412(response, key_for("Condition"), "more than 4 pages")
    assert route.call_count == 5  # the first page and 4 followed pages


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


async def test_too_many_fetched_entries_means_412(tmp_path: Path) -> None:
    many = bundle(*(condition(f"c{i}") for i in range(30)))
    async with running_app(make_settings(tmp_path, max_prefetch_entries=10)) as client:
        with respx.mock(assert_all_called=True) as mock:
            mock.get(fhir_url(_condition_spec())).respond(json=many)
            response = await client.post(PV, json=request(prefetch=_without_conditions()))
    _assert_412(response, key_for("Condition"), "CDS_MAX_PREFETCH_ENTRIES")
