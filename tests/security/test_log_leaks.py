"""Every fixture replayed through the app (auth on), all log output captured: nothing leaks.

Checked against what any formatter could print, not only our JSON one: each record's message,
every extra field, and the formatted traceback if there is one. Secrets per fixture: the patient
id, names, birth date, the EHR access token, our client's JWT, and clinical values (quantities
of Observations). Each fixture runs twice: with prefetch, and with nothing prefetched so every
query goes to the (respx) FHIR server with the access token.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from cds.fixture_bundle import Fixture, load_fixture
from cds.logging import JsonFormatter
from cds.replay.fhir_query import evaluate
from cds.replay.golden import is_fixture_file
from cds.replay.request import build_request
from tests.conftest import FHIR_BASE, REPO_ROOT, make_settings, running_app

from . import tokens as t
from .tokens import bearer, claims, sign

ACCESS_TOKEN = "ehr-access-token-Zq81xPw"
FIXTURES = sorted(p for p in (REPO_ROOT / "fixtures").glob("*.json") if is_fixture_file(p))
_COUNTERS = {"time", "status", "duration_ms", "cards", "skipped", "feedback_items"}
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class Clock:
    now = t.NOW

    def __call__(self) -> datetime:
        return self.now


def secrets(fixture: Fixture) -> tuple[set[str], set[str]]:
    """(strings that must not appear, numeric clinical values that must not appear)."""
    words = {fixture.patient_id, ACCESS_TOKEN}
    numbers: set[str] = set()
    for r in fixture.resources:
        if r.get("resourceType") == "Patient":
            words.add(str(r.get("birthDate", fixture.patient_id)))
            for name in r.get("name", []):
                words.update(str(g) for g in name.get("given", []))
                words.update(str(name[k]) for k in ("family", "text") if k in name)
        quantity = r.get("valueQuantity")
        if isinstance(quantity, dict) and "value" in quantity:
            numbers.add(str(quantity["value"]))
    return {w for w in words if len(w) >= 3}, numbers


def record_text(record: logging.LogRecord) -> str:
    """All a formatter could print, minus the timestamp and our counters (they are numbers that
    could collide with a clinical value by chance; they are counts and durations, not data)."""
    line = json.loads(JsonFormatter().format(record))
    parts = [json.dumps({k: v for k, v in line.items() if k not in _COUNTERS}), record.getMessage()]
    parts += [repr(v) for k, v in record.__dict__.items() if k not in _STANDARD | _COUNTERS]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def fhir_server(fixture: Fixture) -> respx.MockRouter:
    def answer(request: httpx.Request) -> httpx.Response:
        query = str(request.url).removeprefix(FHIR_BASE + "/")
        found = evaluate(fixture.record, query, FHIR_BASE)
        return httpx.Response(404) if found is None else httpx.Response(200, json=found)

    router = respx.mock(assert_all_called=False, assert_all_mocked=True)
    router.route(url__startswith=FHIR_BASE + "/").mock(side_effect=answer)
    return router


def signed(clock: Clock, path: str) -> dict[str, str]:
    iat = int(clock.now.timestamp())
    token = sign(claims(aud=t.PUBLIC_URL + path, iat=iat, exp=iat + 300))
    return {"Authorization": bearer(token)}


@pytest.mark.skipif(not FIXTURES, reason="no fixtures yet")
async def test_full_replay_logs_no_patient_data_or_tokens(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    settings = make_settings(
        tmp_path,
        auth="on",
        trusted_clients=[t.client()],
        public_url=t.PUBLIC_URL,
        fhir_allowlist=[],
        log_level="DEBUG",
    )
    caplog.set_level(logging.DEBUG)
    checked = 0
    async with running_app(settings, clock=clock) as client:
        discovery = await client.get("/cds-services", headers=signed(clock, "/cds-services"))
        services = {s["hook"]: s for s in discovery.json()["services"]}
        for path in FIXTURES:
            fixture = load_fixture(path)
            clock.now = fixture.now
            service = services[fixture.hook]
            url = f"/cds-services/{service['id']}"
            words, numbers = secrets(fixture)
            for templates in (service.get("prefetch", {}), None):
                caplog.clear()
                body: dict[str, Any] = build_request(
                    fixture, templates, fhir_server=FHIR_BASE, access_token=ACCESS_TOKEN
                )
                headers = signed(clock, url)
                with fhir_server(fixture):
                    response = await client.post(url, json=body, headers=headers)
                assert response.status_code in (200, 412), (path.name, response.text)
                assert caplog.records, "the request must have logged at least its own line"
                text = "\n".join(record_text(r) for r in caplog.records)
                jwt_value = headers["Authorization"].removeprefix("Bearer ")
                for secret in (*words, jwt_value):
                    assert secret not in text, (path.name, "leaked a secret")
                for number in numbers:
                    pattern = rf"(?<![\w.]){re.escape(number)}(?![\w.])"
                    assert not re.search(pattern, text), (path.name, "leaked a clinical value")
                checked += 1
    assert checked == 2 * len(FIXTURES)
