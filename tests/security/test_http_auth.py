"""The attack suite through the running app: every bad token is a 401 and nothing is processed.

"Nothing processed" is checked three ways: no outbound request reached the EHR's FHIR server
(respx records every call), the answer carries no cards, and no issued card was stored.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import create_engine, func, select

from cds.storage.tables import issued_cards
from tests.conftest import FHIR_BASE, make_settings, running_app
from tests.service.builders import PV, TOKEN, bundle, fhir_url, patient, request, searches

from . import tokens as t
from .test_verifier import ATTACKS
from .tokens import PUBLIC_URL, bearer, claims, sign

DISCOVERY = "/cds-services"


def auth_settings(tmp_path: Path, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "auth": "on",
        "trusted_clients": [t.client()],
        "public_url": PUBLIC_URL,
        "fhir_allowlist": [],
    }
    return make_settings(tmp_path, **{**values, **overrides})


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(auth_settings(tmp_path)) as client:
        yield client


def mock_fhir(mock: respx.MockRouter) -> list[respx.Route]:
    return [
        mock.get(fhir_url(spec)).respond(json=patient() if "?" not in spec.template else bundle())
        for spec in searches()
    ]


def stored_cards(tmp_path: Path) -> int:
    engine = create_engine(f"sqlite:///{tmp_path / 'cds.sqlite3'}")
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(issued_cards)) or 0)
    finally:
        engine.dispose()


def assert_401(response: httpx.Response, reason: str, authorization: str | None) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert "cards" not in body
    assert body["issue"][0]["code"] == "login"
    assert reason in body["issue"][0]["diagnostics"]
    token = (authorization or "").removeprefix("Bearer ")
    if len(token) > 10:
        assert token not in response.text
    assert TOKEN not in response.text


async def test_valid_token_is_processed(app: httpx.AsyncClient) -> None:
    with respx.mock(assert_all_called=True, assert_all_mocked=True) as mock:
        routes = mock_fhir(mock)
        response = await app.post(PV, json=request(), headers={"Authorization": bearer(sign())})
        assert all(r.called for r in routes)  # proves the negative tests below could see calls
        assert len(mock.calls) == len(routes)
    assert response.status_code == 200, response.text
    assert "cards" in response.json()


@pytest.mark.parametrize(("case", "header", "reason"), ATTACKS, ids=[a[0] for a in ATTACKS])
async def test_attack_is_401_and_nothing_is_processed(
    app: httpx.AsyncClient,
    tmp_path: Path,
    case: str,
    header: Callable[[], str | None],
    reason: str,
) -> None:
    authorization = header()
    headers = {} if authorization is None else {"Authorization": authorization}
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        routes = mock_fhir(mock)
        response = await app.post(PV, json=request(), headers=headers)
        assert not any(r.called for r in routes)
        assert len(mock.calls) == 0
    assert_401(response, reason, authorization)
    assert stored_cards(tmp_path) == 0


async def test_replayed_token_is_401_the_second_time(
    app: httpx.AsyncClient, tmp_path: Path
) -> None:
    token = bearer(sign())
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        mock_fhir(mock)
        first = await app.post(PV, json=request(), headers={"Authorization": token})
        calls = len(mock.calls)
        second = await app.post(PV, json=request(), headers={"Authorization": token})
        assert calls > 0
        assert len(mock.calls) == calls  # the replay made no outbound call
    assert first.status_code == 200, first.text
    assert_401(second, "replayed", token)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", DISCOVERY, None),
        ("POST", PV + "/feedback", {"feedback": []}),
        ("GET", "/feedback/summary", None),
        ("POST", "/cds-services/no-such-service", {}),
    ],
)
async def test_every_endpoint_requires_a_token(
    app: httpx.AsyncClient, method: str, path: str, body: Any
) -> None:
    response = await app.request(method, path, json=body)
    assert_401(response, "missing Authorization header", None)


async def test_unauthenticated_garbage_body_is_401_not_parsed(app: httpx.AsyncClient) -> None:
    response = await app.post(
        PV, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_401(response, "missing Authorization header", None)


async def test_discovery_needs_a_token_for_its_own_url(app: httpx.AsyncClient) -> None:
    own = bearer(sign(claims(aud=PUBLIC_URL + DISCOVERY)))
    other = bearer(sign())  # audience is the patient-view endpoint
    assert (await app.get(DISCOVERY, headers={"Authorization": own})).status_code == 200
    assert_401(await app.get(DISCOVERY, headers={"Authorization": other}), "audience", other)


async def test_auth_off_accepts_calls_without_a_token(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)  # auth off, FHIR_BASE allowlisted
    async with running_app(settings) as client:
        assert (await client.get(DISCOVERY)).status_code == 200
    assert settings.fhir_allowlist == [FHIR_BASE]


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/docs"])
async def test_operational_pages_need_no_token(app: httpx.AsyncClient, path: str) -> None:
    response = await app.get(path)
    assert response.status_code == 200, response.text


async def test_401_carries_security_headers(app: httpx.AsyncClient) -> None:
    response = await app.get(DISCOVERY)
    assert response.status_code == 401
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "application/fhir+json"


async def test_cors_preflight_is_answered_without_a_token(tmp_path: Path) -> None:
    origin = "https://sandbox.cds-hooks.org"
    settings = auth_settings(tmp_path, cors_origins=[origin])
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    async with running_app(settings) as client:
        preflight = await client.options(PV, headers=headers)
        denied = await client.post(PV, json=request(), headers={"Origin": origin})
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == origin
    assert denied.status_code == 401
    assert denied.headers["access-control-allow-origin"] == origin  # the browser can read why


async def test_sandbox_jwks_configured_as_a_trusted_client_starts(tmp_path: Path) -> None:
    sandbox = json.loads((t.SPEC / "cds-hooks-sandbox" / "jwks.json").read_text())
    client = {"iss": "https://sandbox.cds-hooks.org", "jwks": sandbox, "fhir_servers": []}
    settings = auth_settings(tmp_path, trusted_clients=[client])
    async with running_app(settings) as http:
        # A token from another issuer is still refused; the sandbox's own tokens would verify.
        response = await http.get(DISCOVERY, headers={"Authorization": bearer(sign())})
    assert_401(response, "not a trusted client", None)


async def test_issuer_jwks_down_is_a_503_operation_outcome_and_nothing_is_processed(
    tmp_path: Path,
) -> None:
    """A token we cannot check because the issuer's JWKS endpoint is down may be valid: 503."""
    jwks_url = "https://ehr.example/.well-known/jwks.json"
    settings = auth_settings(tmp_path, trusted_clients=[t.client(jwks=None, jwks_url=jwks_url)])
    async with running_app(settings) as client:
        with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
            jwks = mock.get(jwks_url).respond(503)
            fhir = mock_fhir(mock)
            response = await client.post(
                PV, json=request(), headers={"Authorization": bearer(sign())}
            )
    assert jwks.called
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert "cards" not in body
    assert "JWKS" in body["issue"][0]["diagnostics"]
    assert not any(route.called for route in fhir)
    assert stored_cards(tmp_path) == 0
