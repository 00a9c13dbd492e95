"""The authentication seam in ``create_app``: with ``CDS_AUTH=on`` every data route needs a JWT.

The JWT checks themselves are tested in tests/security; here only that each route is behind the
seam (discovery, service, feedback, summaries), and that health and docs are not.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute

from cds import routes, state
from cds.app import create_app
from cds.security import CALLER_KEY
from cds.state import CallerDep
from tests.conftest import make_settings, running_app
from tests.security.tokens import PUBLIC_URL
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
    async with running_app(make_settings(tmp_path, auth="on", public_url=PUBLIC_URL)) as client:
        body = request(prefetch=full_prefetch()) if method == "POST" else None
        response = await client.request(method, path, json=body)
    assert response.status_code == 401, response.text
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/docs"])
async def test_operational_routes_stay_open(tmp_path: Path, path: str) -> None:
    async with running_app(make_settings(tmp_path, auth="on", public_url=PUBLIC_URL)) as client:
        assert (await client.get(path)).status_code == 200


async def test_unauthenticated_malformed_body_is_401_not_400(tmp_path: Path) -> None:
    """Authentication comes before the body is parsed: nothing of it is processed."""
    async with running_app(make_settings(tmp_path, auth="on", public_url=PUBLIC_URL)) as client:
        response = await client.post(
            PV, content=b"{not json", headers={"content-type": "application/json"}
        )
    assert response.status_code == 401


async def test_a_route_that_asks_for_the_caller_fails_closed_outside_the_checked_paths(
    tmp_path: Path,
) -> None:
    """The middleware checks where EHRs call us; any other route taking ``CallerDep`` gets 401
    rather than running unauthenticated."""
    app = create_app(make_settings(tmp_path, auth="on", public_url=PUBLIC_URL))

    @app.get("/elsewhere")
    async def elsewhere(caller: CallerDep) -> dict[str, str]:
        return {"caller": str(caller)}

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            response = await client.get("/elsewhere")
    assert response.status_code == 401, response.text
    assert response.json()["resourceType"] == "OperationOutcome"


def test_one_seam_one_key() -> None:
    """Routes are included the ordinary way; the caller reaches them only as a dependency."""
    assert not hasattr(routes, "install_routes")
    assert {type(r) for r in routes.router.routes} <= {routes.OrjsonRoute, APIRoute}
    data_routes = [r for r in routes.router.routes if r.path != "/health"]
    for route in data_routes:
        assert isinstance(route, APIRoute)
        calls = {d.call for d in route.dependant.dependencies}
        assert state.authenticated in calls, route.path
    assert CALLER_KEY == "cds.caller"
    assert not hasattr(state, "_CALLER")
