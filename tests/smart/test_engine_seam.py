"""The app and the demo hand the resources they hold to ``Engine.cards_for``, the step every hook
call ends with; the service never loads the replay's FHIR search emulation."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx

from cards.models import CdsResponse
from cds.app import create_app
from cds.fixture_bundle import load_fixture
from cds.replay.golden import golden_path, normalise, read_golden
from cds.replay.transport import ReplaySettings
from cds.services import service_id_for
from cds.smart.assess import assess_bundle, bundle_record
from tests.conftest import REPO_ROOT
from tests.smart.helpers import FIXTURES, MutableClock

CASES = sorted(p for p in FIXTURES.glob("*.json") if not p.name.endswith(".expected.json"))


def test_the_service_never_imports_the_replays_search_emulation() -> None:
    """Started, answering a hook call and showing the demo page, the app has loaded neither the
    replay's request builder nor its FHIR query evaluator."""
    script = textwrap.dedent(
        """
        import asyncio, sys, tempfile
        from pathlib import Path
        import httpx
        from cds.app import create_app
        from cds.settings import Settings

        async def main() -> None:
            with tempfile.TemporaryDirectory() as tmp:
                db = f"sqlite:///{Path(tmp) / 'cds.sqlite3'}"
                app = create_app(Settings(auth="off", database_url=db))
                async with app.router.lifespan_context(app):
                    transport = httpx.ASGITransport(app=app)
                    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                        case = {"fixture": "sciatica-radicular-right"}
                        demo = await c.get("/app/demo", params=case)
                        assert demo.status_code == 200 and 'data-topic="sciatica"' in demo.text
                        hook = await c.post(
                            "/cds-services/%s",
                            json={
                                "hook": "patient-view",
                                "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
                                "context": {"userId": "Practitioner/1", "patientId": "p1"},
                                "prefetch": {key: None for key in %r},
                            },
                        )
                        assert hook.status_code == 200, hook.text
            print(" ".join(sorted(name for name in sys.modules if name.startswith("cds."))))

        asyncio.run(main())
        """
    ) % (service_id_for("patient-view"), _prefetch_keys())
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    loaded = run.stdout.split()
    assert "cds.smart.assess" in loaded and "cds.engine" in loaded  # the paths did run
    assert "cds.replay.request" not in loaded
    assert "cds.replay.fhir_query" not in loaded


def _prefetch_keys() -> list[str]:
    from cds.services import build_services

    return list(build_services()[service_id_for("patient-view")].prefetch)


async def test_the_demo_gives_every_fixtures_golden_cards(tmp_path: Path) -> None:
    """For every fixture, the demo's cards are the ones ``cds-triage replay`` checks in (under the
    fixture's settings): same cards, uuids, indicators, summaries, suggestions and links. The
    detail is left out of the comparison: it lists a finding's evidence in the order the record
    holds it, which for a bundle is its entry order and for an EHR the order its searches give."""
    clock = MutableClock()
    db = f"sqlite:///{tmp_path / 'cds.sqlite3'}"
    app = create_app(ReplaySettings(auth="off", database_url=db), clock=clock)
    async with app.router.lifespan_context(app):
        state = app.state.cds
        assert len(CASES) >= 30
        for path in CASES:
            fixture = load_fixture(path)
            clock.now = fixture.now
            settings = ReplaySettings(auth="off", database_url=db, **fixture.settings)  # type: ignore[arg-type]
            cards = await assess_bundle(state, settings, fixture)
            shown = normalise(CdsResponse(cards=cards).to_json_dict())
            golden = read_golden(golden_path(path))
            assert golden is not None, path.name
            assert [_without_detail(c) for c in shown["cards"]] == [
                _without_detail(c) for c in golden["cards"]
            ], path.name


def _without_detail(card: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in card.items() if k != "detail"}
    kept["suggestions"] = [
        {"label": s.get("label"), "uuid": s.get("uuid"), "isRecommended": s.get("isRecommended")}
        for s in card.get("suggestions", [])
    ]
    return kept


def test_the_demo_record_holds_the_orders_an_ehr_would_send() -> None:
    """A stopped order is not asked for (``cds.queries.STATUS_FILTERS``), so the demo does not
    count it among the records searched; the active one and everything else stay."""
    fixture = load_fixture(FIXTURES / "dvt-ddimer-synthea-natazia-camila.json")
    from cds.services import build_services

    service = build_services()[service_id_for(fixture.hook)]  # type: ignore[arg-type]
    record = bundle_record(fixture, service)
    held = {f"{r['resourceType']}/{r['id']}" for r in record.resources}
    assert "MedicationRequest/medrx-syn-01" in held  # active
    assert "MedicationRequest/medrx-syn-02" not in held  # stopped
    assert len(held) == len(fixture.record) - 1
    assert {"Condition", "Observation", "MedicationRequest", "Patient"} <= record.available


async def test_the_demo_page_counts_what_an_ehr_sends(client: httpx.AsyncClient) -> None:
    page = await client.get("/app/demo", params={"fixture": "dvt-ddimer-synthea-natazia-camila"})
    assert page.status_code == 200
    assert "no active cancer found among 1 Condition and 1 MedicationRequest " in page.text
