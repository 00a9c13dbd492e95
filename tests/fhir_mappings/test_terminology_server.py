"""The optional live terminology server (CDS_TERMINOLOGY_URL): asked about SNOMED codes no local
value set holds, remembered per code, never blocking the card (a fake server: respx)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx

from cds.terminology import TerminologyClient
from fhir_mappings.codelists import load_index
from fhir_mappings.features import FeatureName, State

from .builders import NOW, PID, SCT, condition, run

TX = "https://tx.example.org/fhir"
NEW_CANCER = "999000111"  # a concept no shipped value set holds (a newer edition, say)


def _parameters(outcome: str) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": [{"name": "outcome", "valueCode": outcome}]}


def _server(mock: respx.MockRouter, *, delay: float = 0.0) -> respx.Route:
    async def answer(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(delay)
        params = request.url.params
        yes = params["codeA"] == "363346000" and params["codeB"] == NEW_CANCER
        return httpx.Response(200, json=_parameters("subsumes" if yes else "not-subsumed"))

    return mock.get(f"{TX}/CodeSystem/$subsumes").mock(side_effect=answer)


async def _classify(client: TerminologyClient, code: str) -> Any:
    return await client.classify([condition(SCT, code, onset_days=30)], load_index(None, False))


async def test_a_code_under_the_defining_concept_counts_for_the_feature() -> None:
    client = TerminologyClient(TX, timeout_seconds=1.0)
    with respx.mock(assert_all_called=False) as mock:
        route = _server(mock)
        found = await _classify(client, NEW_CANCER)
        asked = route.call_count
        assert asked == 5  # one $subsumes per defining concept
        again = await _classify(client, NEW_CANCER)
        assert route.call_count == asked  # remembered per code: not asked twice
    assert found.note is None and again.entries == found.entries
    fs = run(
        [condition(SCT, NEW_CANCER, onset_days=30)],
        extra_codes=found.entries,
    )
    cancer = fs.get(FeatureName.ACTIVE_CANCER)
    assert cancer.state is State.PRESENT
    entry = found.entries[(SCT, NEW_CANCER)][0]
    assert "$subsumes << 363346000" in entry.source


async def test_codes_the_local_sets_hold_are_not_asked_about() -> None:
    client = TerminologyClient(TX, timeout_seconds=1.0)
    with respx.mock(assert_all_called=False) as mock:
        route = _server(mock)
        found = await _classify(client, "93761005")  # colon cancer: in VSAC Cancer
    assert route.call_count == 0 and not found.entries and found.note is None


async def test_a_slow_server_leaves_the_criterion_as_before_and_says_so() -> None:
    client = TerminologyClient(TX, timeout_seconds=0.05)
    with respx.mock(assert_all_called=False) as mock:
        _server(mock, delay=1.0)
        found = await _classify(client, NEW_CANCER)
    assert not found.entries
    assert found.note is not None and "did not answer in time" in found.note
    fs = run([condition(SCT, NEW_CANCER, onset_days=30)], terminology_note=found.note)
    cancer = fs.get(FeatureName.ACTIVE_CANCER)
    assert cancer.state is State.ABSENT  # as the local value sets decide it
    assert "terminology server did not answer in time" in (cancer.reason or "")


async def test_a_broken_answer_is_treated_like_no_answer() -> None:
    client = TerminologyClient(TX, timeout_seconds=1.0)
    with respx.mock(assert_all_called=False) as mock:
        mock.get(f"{TX}/CodeSystem/$subsumes").mock(return_value=httpx.Response(500))
        found = await _classify(client, NEW_CANCER)
        assert not found.entries and found.note is not None
        mock.get(f"{TX}/CodeSystem/$subsumes").mock(
            return_value=httpx.Response(200, json={"resourceType": "Bundle"})
        )
        broken = await _classify(client, NEW_CANCER)
    assert not broken.entries and broken.note is not None


@pytest.mark.parametrize("url", [None, TX])
async def test_the_engine_asks_only_when_configured(url: str | None, tmp_path: Any) -> None:
    from tests.conftest import make_settings, running_app

    settings = make_settings(tmp_path, terminology_url=url)
    request = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/1", "patientId": PID},
        "prefetch": {
            "patient": {"resourceType": "Patient", "id": PID, "birthDate": "1970-01-01"},
            "conditions": {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [{"resource": condition(SCT, NEW_CANCER, onset_days=30)}],
            },
        },
    }
    with respx.mock(assert_all_called=False) as mock:
        route = _server(mock)
        async with running_app(settings, clock=lambda: NOW) as client:
            services = (await client.get("/cds-services")).json()["services"]
            keys = next(s for s in services if s["id"] == "calf-pain-patient-view")["prefetch"]
            empty = {"resourceType": "Bundle", "type": "searchset", "entry": []}
            for key in keys:
                request["prefetch"].setdefault(key, empty)  # type: ignore[attr-defined]
            response = await client.post("/cds-services/calf-pain-patient-view", json=request)
    assert response.status_code == 200, response.text
    assert (route.call_count > 0) is (url is not None)
