"""No server-side request forgery through the running app, with auth on (issue 6).

The authenticated client's ``fhir_servers`` are the only places we contact; respx is set to
refuse unmocked hosts and every route is checked for calls, so "no outbound request" is
observed, not assumed. Limits are checked end to end with a valid token as well.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from tests.conftest import FHIR_BASE, running_app
from tests.service.builders import (
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

from .test_http_auth import auth_settings
from .tokens import bearer, sign

EVIL = "https://evil.test"


def auth() -> dict[str, str]:
    return {"Authorization": bearer(sign())}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(auth_settings(tmp_path)) as client:
        yield client


def condition_search() -> Any:
    return next(s for s in searches() if s.key == key_for("Condition"))


@pytest.mark.parametrize(
    "fhir_server",
    [
        EVIL + "/fhir",
        "https://ehr.example.org/fhir-internal",
        "https://ehr.example.org.evil.test/fhir",
        "http://ehr.example.org/fhir",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:8080/fhir",
        "https://user:pw@ehr.example.org/fhir",
    ],
)
@pytest.mark.parametrize("prefetched", [False, True])
async def test_fhir_server_not_allowed_for_the_client_is_403_without_a_request(
    app: httpx.AsyncClient, fhir_server: str, prefetched: bool
) -> None:
    body = request(fhirServer=fhir_server, prefetch=full_prefetch() if prefetched else None)
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        anything = mock.route()  # catches every outbound request to any host
        response = await app.post(PV, json=body, headers=auth())
        assert not anything.called
        assert len(mock.calls) == 0
    assert response.status_code == 403, response.text
    assert response.json()["issue"][0]["code"] == "forbidden"
    assert TOKEN not in response.text


async def test_auth_off_allowlist_does_not_widen_a_clients_servers(tmp_path: Path) -> None:
    settings = auth_settings(tmp_path, fhir_allowlist=[EVIL + "/fhir"])
    async with running_app(settings) as client:
        with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
            anything = mock.route()
            response = await client.post(
                PV, json=request(fhirServer=EVIL + "/fhir"), headers=auth()
            )
            assert not anything.called
    assert response.status_code == 403, response.text


async def test_next_link_to_another_host_is_not_followed(app: httpx.AsyncClient) -> None:
    prefetch = full_prefetch()
    prefetch[key_for("Condition")] = bundle(
        condition("c1"), next_url=EVIL + "/fhir/Condition?page=2"
    )
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        evil = mock.route(host="evil.test")
        ours = mock.route(host="ehr.example.org").respond(json=bundle())
        response = await app.post(PV, json=request(prefetch=prefetch), headers=auth())
        assert not evil.called
        assert not ours.called  # nor re-aimed at our server
    assert response.status_code in (200, 412), response.text
    assert TOKEN not in response.text


@pytest.mark.parametrize("location", [EVIL + "/steal", FHIR_BASE + "/Condition?moved=1"])
async def test_redirect_is_not_followed(app: httpx.AsyncClient, location: str) -> None:
    prefetch = full_prefetch()
    del prefetch[key_for("Condition")]
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        search = mock.get(fhir_url(condition_search())).respond(302, headers={"Location": location})
        elsewhere = mock.route()
        response = await app.post(PV, json=request(prefetch=prefetch), headers=auth())
        assert search.call_count == 1
        assert not elsewhere.called
    assert response.status_code == 412, response.text
    assert "HTTP 302" in response.text


async def test_token_goes_only_to_the_allowed_server(app: httpx.AsyncClient) -> None:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        for spec in searches():
            body = patient() if "?" not in spec.template else bundle()
            mock.get(fhir_url(spec)).respond(json=body)
        response = await app.post(PV, json=request(), headers=auth())
        hosts = {call.request.url.host for call in mock.calls}
        sent = {call.request.headers.get("authorization") for call in mock.calls}
    assert response.status_code == 200, response.text
    assert hosts == {"ehr.example.org"}
    assert sent == {f"Bearer {TOKEN}"}


# --- limits, with auth on ----------------------------------------------------------------


async def test_unauthenticated_oversize_body_is_401_and_never_read(tmp_path: Path) -> None:
    read = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal read
        for _ in range(100):
            read += 1
            yield b" " * 10_000

    async with running_app(auth_settings(tmp_path, max_body_bytes=50_000)) as client:
        response = await client.post(PV, content=body())
    assert response.status_code == 401
    assert read <= 1  # the app never pulled the body


async def test_authenticated_oversize_body_is_413(tmp_path: Path) -> None:
    async with running_app(auth_settings(tmp_path, max_body_bytes=2_000)) as client:
        big = request(prefetch={"x": {"resourceType": "Basic", "id": "a" * 5_000}})
        response = await client.post(PV, json=big, headers=auth())
    assert response.status_code == 413, response.text


async def test_too_many_prefetch_entries_is_4xx(tmp_path: Path) -> None:
    conditions = [condition(f"c{n}") for n in range(6)]
    async with running_app(auth_settings(tmp_path, max_prefetch_entries=3)) as client:
        with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
            anything = mock.route()
            body = request(prefetch=full_prefetch("patient-view", *conditions))
            response = await client.post(PV, json=body, headers=auth())
            assert not anything.called
    assert response.status_code in (412, 422), response.text
    assert "too many" in response.json()["issue"][0]["diagnostics"]


async def test_endless_pages_stop_at_the_page_limit(tmp_path: Path) -> None:
    prefetch = full_prefetch()
    prefetch[key_for("Condition")] = bundle(next_url=FHIR_BASE + "/Condition?page=1")
    async with running_app(auth_settings(tmp_path, max_pages=2)) as client:
        with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
            pages = mock.get(url__startswith=FHIR_BASE + "/Condition?page=").mock(
                side_effect=lambda req: httpx.Response(
                    200, json=bundle(next_url=str(req.url) + "1")
                )
            )
            response = await client.post(PV, json=request(prefetch=prefetch), headers=auth())
            assert pages.call_count == 2
    # the search is dropped ("not retrieved" on the card), the call still answers
    assert response.status_code == 200, response.text
    assert '"byResourceType":{"Condition":1}' in response.text


async def test_slow_fhir_server_hits_the_fetch_deadline(tmp_path: Path) -> None:
    async def slow(_request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=bundle())

    settings = auth_settings(tmp_path, fhir_timeout_seconds=5.0, fetch_deadline_seconds=0.3)
    async with running_app(settings) as client:
        with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
            mock.route(host="ehr.example.org").mock(side_effect=slow)
            started = time.perf_counter()
            response = await client.post(PV, json=request(), headers=auth())
            elapsed = time.perf_counter() - started
    assert response.status_code == 412, response.text
    assert elapsed < 2.0
