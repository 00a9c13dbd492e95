"""The authentication seam in ``create_app``: with ``CDS_AUTH=on`` every data route needs a JWT.

The JWT checks themselves are tested in tests/security; here only that each route is behind the
seam (discovery, service, feedback, summaries), and that health and docs are not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_settings, running_app
from tests.service.builders import PV, full_prefetch, request

PROTECTED = [
    ("GET", "/cds-services"),
    ("POST", PV),
    ("POST", "/cds-services/no-such-service"),
    ("POST", f"{PV}/feedback"),
    ("GET", f"{PV}/feedback/summary"),
    ("GET", "/feedback/summary"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_data_routes_need_a_token_when_auth_is_on(
    tmp_path: Path, method: str, path: str
) -> None:
    async with running_app(make_settings(tmp_path, auth="on")) as client:
        body = request(prefetch=full_prefetch()) if method == "POST" else None
        response = await client.request(method, path, json=body)
    assert response.status_code == 401, response.text
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/docs"])
async def test_operational_routes_stay_open(tmp_path: Path, path: str) -> None:
    async with running_app(make_settings(tmp_path, auth="on")) as client:
        assert (await client.get(path)).status_code == 200


async def test_unauthenticated_malformed_body_is_401_not_400(tmp_path: Path) -> None:
    """Authentication comes before the body is parsed: nothing of it is processed."""
    async with running_app(make_settings(tmp_path, auth="on")) as client:
        response = await client.post(
            PV, content=b"{not json", headers={"content-type": "application/json"}
        )
    assert response.status_code == 401
