"""Discovery, health and the OpenAPI document.

Discovery lists one service per hook; its prefetch templates must be exactly those derived from
what the hook's rules read (``search_specs_for(reads(RULES_BY_HOOK[hook]))``), so they cannot
drift from the logic.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from cds import triage
from cds.app import create_app
from cds.hooks import DiscoveryResponse, HookName
from cds.queries import shape_searches
from cds.routes import router
from fhir_mappings.sources import search_specs_for
from tests.conftest import make_settings, running_app

HOOKS: dict[str, HookName] = {
    "calf-pain-patient-view": "patient-view",
    "calf-pain-order-select": "order-select",
    "calf-pain-order-sign": "order-sign",
}


async def test_discovery_lists_one_service_per_hook(client: httpx.AsyncClient) -> None:
    response = await client.get("/cds-services")
    assert response.status_code == 200
    body = response.json()
    DiscoveryResponse.model_validate(body)
    services = {s["id"]: s for s in body["services"]}
    assert {sid: s["hook"] for sid, s in services.items()} == HOOKS
    for service in services.values():
        assert service["title"] and service["description"]
        assert "usageRequirements" not in service  # absent optional fields are omitted
        assert None not in service.values()


@pytest.mark.parametrize(("service_id", "hook"), sorted(HOOKS.items()))
async def test_prefetch_templates_derive_from_the_triage(
    client: httpx.AsyncClient, service_id: str, hook: HookName
) -> None:
    body = (await client.get("/cds-services")).json()
    prefetch = next(s["prefetch"] for s in body["services"] if s["id"] == service_id)
    specs = shape_searches(search_specs_for(triage.reads(triage.RULES_BY_HOOK[hook])))
    expected = {s.key: s.template for s in specs}
    assert prefetch == expected
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    kinds = {template.split("?")[0].split("/")[0] for template in prefetch.values()}
    assert {"Patient", "Condition", "Observation"} <= kinds
    for template in prefetch.values():
        # only first-level primitive context tokens (CDS Hooks l.284-322)
        assert set(re.findall(r"\{\{([^}]*)\}\}", template)) <= {"context.patientId"}


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_openapi_shows_the_real_models(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    components = set(schema["components"]["schemas"])
    assert {
        "PatientViewRequest",
        "OrderSelectRequest",
        "OrderSignRequest",
        "PatientViewContext",
        "OrderSelectContext",
        "FhirAuthorization",
        "CdsResponse",
        "Card",
        "Suggestion",
        "Action",
        "Link",
        "FeedbackRequest",
        "OperationOutcomeModel",
    } <= components
    paths = schema["paths"]
    for service_id in HOOKS:
        responses = paths[f"/cds-services/{service_id}"]["post"]["responses"]
        assert {"200", "412", "413", "422"} <= set(responses)
    assert "/cds-services/{service_id}/feedback" in paths
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


async def test_app_not_started_answers_503(tmp_path: object) -> None:
    app = create_app(make_settings(tmp_path))  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        response = await client.get("/cds-services")
    assert response.status_code == 503
    assert response.json()["resourceType"] == "OperationOutcome"


def test_the_catch_all_for_unknown_services_comes_after_every_real_one() -> None:
    paths = [getattr(route, "path", None) for route in router.routes]
    assert paths.index("/cds-services/{service_id}") > max(
        paths.index(f"/cds-services/{service_id}") for service_id in HOOKS
    )


async def test_a_sites_local_observation_codes_are_searched_by_the_hooks_that_read_them(
    tmp_path: Path,
) -> None:
    """CDS_LOCAL_CODES_FILE: a site's own code for a feature a hook reads (warmth, read by the
    fever red flag everywhere) is in every hook's search; one for the electrolytes, read only
    by the chart view's cramp guidance, only in the chart view's."""
    local = tmp_path / "local.csv"
    local.write_text(
        "feature,system,code,display,source,status\n"
        "warmth,urn:site:obs,warm-leg,Warm leg,SITE,verified\n"
        "potassium,urn:site:lab,k,Potassium,SITE,verified\n"
    )
    async with running_app(make_settings(tmp_path, local_codes_file=local)) as client:
        body = (await client.get("/cds-services")).json()
    for service in body["services"]:
        codes = {
            code
            for t in service["prefetch"].values()
            if t.startswith("Observation?")
            for code in dict(parse_qsl(t.partition("?")[2]))["code"].split(",")
        }
        assert "urn:site:obs|warm-leg" in codes
        assert ("urn:site:lab|k" in codes) == (service["hook"] == "patient-view"), service["id"]
