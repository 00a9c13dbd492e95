"""The demo page and the offline API docs over HTTP (the browser tests render them too)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import orjson

from cds.smart.demo import fixture_names
from tests.conftest import make_settings, running_app
from tests.smart.helpers import FIXTURES


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


async def test_demo_lists_the_checkouts_fixtures(client: httpx.AsyncClient) -> None:
    page = await client.get("/app/demo")
    assert page.status_code == 200
    names = fixture_names()
    expected = sorted(
        p.name.removesuffix(".json")
        for p in FIXTURES.glob("*.json")
        if not p.name.endswith(".expected.json")
    )
    assert names == expected and len(names) >= 30
    for name in names:
        assert f'<option value="{name}"' in page.text


async def test_demo_shows_cards_as_an_ehr_does(client: httpx.AsyncClient) -> None:
    page = await client.get("/app/demo", params={"fixture": "pe-emergency-dyspnoea-tachycardia"})
    assert page.status_code == 200
    assert 'class="card card-critical"' in page.text
    page = await client.get("/app/demo", params={"fixture": "missing-data-wells-range"})
    assert 'class="card card-warning"' in page.text
    assert "<table>" in page.text  # the Wells table, from the card's markdown
    assert 'class="suggestions"' in page.text
    assert 'class="smart-link"' in page.text  # the assessment app's link, as an EHR shows it
    assert "<script>" not in page.text  # scripts only by src (the CSP forbids inline ones)


async def test_demo_refuses_names_outside_the_list(client: httpx.AsyncClient) -> None:
    page = await client.get("/app/demo", params={"fixture": "../pyproject"})
    assert "no fixture named" in page.text
    assert 'id="cards"' not in page.text


async def test_demo_paste_needs_the_csrf_cookie_and_field(client: httpx.AsyncClient) -> None:
    bundle = (FIXTURES / "sciatica-radicular-right.json").read_text()
    forged = await client.post("/app/demo", data={"bundle": bundle, "csrf": "x" * 43})
    assert forged.status_code == 403
    page = await client.get("/app/demo")
    shown = await client.post("/app/demo", data={"bundle": bundle, "csrf": _csrf(page.text)})
    assert shown.status_code == 200
    assert 'data-topic="sciatica"' in shown.text


async def test_demo_paste_explains_bad_input(client: httpx.AsyncClient) -> None:
    page = await client.get("/app/demo")
    csrf = _csrf(page.text)
    for bundle, says in (
        ("{not json", "not JSON"),
        (orjson.dumps({"resourceType": "Patient"}).decode(), "not a FHIR Bundle"),
    ):
        shown = await client.post("/app/demo", data={"bundle": bundle, "csrf": csrf})
        assert shown.status_code == 400
        assert says in shown.text and "Traceback" not in shown.text


async def test_demo_needs_auth_off(tmp_path: Path) -> None:
    async with running_app(
        make_settings(tmp_path, auth="on", public_url="http://cds.test")
    ) as client:
        page = await client.get("/app/demo")
        assert page.status_code == 404
        assert "CDS_AUTH=off" in page.text


async def test_app_pages_need_no_cds_client_jwt(tmp_path: Path) -> None:
    """The app signs its users in at the EHR; the hooks' JWT check does not apply to /app."""
    async with running_app(
        make_settings(tmp_path, auth="on", public_url="http://cds.test")
    ) as client:
        launch = await client.get("/app/launch")
        assert launch.status_code == 400 and "Launch from the EHR" in launch.text
        assert (await client.get("/app/static/app.css")).status_code == 200
        assert (await client.get("/cds-services")).status_code == 401


async def test_docs_load_nothing_from_a_cdn(client: httpx.AsyncClient) -> None:
    for path in ("/docs", "/redoc"):
        page = await client.get(path)
        assert page.status_code == 200
        urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert urls and all(u.startswith("/docs/assets/") for u in urls), urls
        for url in urls:
            assert (await client.get(url)).status_code == 200
    page = await client.get("/docs")
    assert "cdn." not in page.text
