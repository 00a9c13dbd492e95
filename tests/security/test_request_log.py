"""The request log line says why a 401 / 403 / 503 was answered, and for which endpoint.

An EHR that gets 401 or 503 at discovery shows its users "All clear!" (no services, so no
cards); the operator's only way to find out is this log line. Before routing, the line used to
say route "unmatched" and nothing else.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from cds.app import create_app
from cds.logging import REQUEST_LOGGER, JsonFormatter
from tests.conftest import make_settings, running_app
from tests.service.builders import PV, request

from .test_http_auth import auth_settings
from .tokens import bearer, claims, sign

DISCOVERY = "/cds-services"


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == REQUEST_LOGGER]


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing Authorization header"),
        ({"Authorization": "Basic dXNlcjpwdw=="}, "not a Bearer token"),
        ({"Authorization": bearer(sign(claims(iss="https://nobody.test")))}, "not a trusted"),
        ({"Authorization": bearer(sign(claims(aud="https://x.test/cds-services")))}, "audience"),
    ],
)
async def test_a_401_at_discovery_names_the_route_and_the_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, headers: dict[str, str], reason: str
) -> None:
    async with running_app(auth_settings(tmp_path)) as client:
        with caplog.at_level(logging.INFO, logger=REQUEST_LOGGER):
            response = await client.get(DISCOVERY, headers=headers)
    assert response.status_code == 401
    [line] = request_lines(caplog)
    assert line["route"] == DISCOVERY
    assert line["status"] == 401
    assert line["error"] == "AuthenticationFailed"
    assert reason in line["reason"]
    token = headers.get("Authorization", "").removeprefix("Bearer ")
    assert not token or token not in json.dumps(line)


async def test_a_401_on_a_service_names_the_service_route(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_app(auth_settings(tmp_path)) as client:
        with caplog.at_level(logging.INFO, logger=REQUEST_LOGGER):
            await client.post(PV, json=request())
    [line] = request_lines(caplog)
    assert (line["route"], line["status"]) == (PV, 401)


async def test_a_403_names_the_reason(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with running_app(auth_settings(tmp_path)) as client:
        with respx.mock(assert_all_mocked=True), caplog.at_level(logging.INFO, REQUEST_LOGGER):
            response = await client.post(
                PV,
                json=request(fhirServer="https://evil.test/fhir"),
                headers={"Authorization": bearer(sign())},
            )
    assert response.status_code == 403
    [line] = request_lines(caplog)
    assert (line["route"], line["error"]) == (PV, "Forbidden")
    assert "fhirServer" in line["reason"]
    assert "evil.test" not in json.dumps(line)


async def test_a_503_names_the_reason(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(make_settings(tmp_path))  # lifespan not started
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
        with caplog.at_level(logging.INFO, logger=REQUEST_LOGGER):
            response = await client.get(DISCOVERY)
    assert response.status_code == 503
    [line] = request_lines(caplog)
    assert line["route"] == DISCOVERY
    assert "starting or stopping" in line["reason"]


async def test_other_errors_carry_no_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A 422's message quotes the request's structure; only 401/403/503 carry a reason."""
    async with running_app(make_settings(tmp_path)) as client:
        with caplog.at_level(logging.INFO, logger=REQUEST_LOGGER):
            response = await client.post(PV, json={"hook": "patient-view"})
    assert response.status_code == 422
    [line] = request_lines(caplog)
    assert "reason" not in line
