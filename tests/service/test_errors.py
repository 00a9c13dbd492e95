"""Every bad input gets its 4xx with an OperationOutcome naming the problem; nothing 500s.

malformed JSON -> 400              wrong hook / missing context / non-UUID hookInstance -> 422
body over CDS_MAX_BODY_BYTES -> 413 without reading it all        unknown service -> 404
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import make_settings, running_app
from tests.service.builders import (
    OSEL,
    OSIGN,
    PATIENT_ID,
    PV,
    TOKEN,
    draft_orders,
    full_prefetch,
    request,
    service_request,
)


def _outcome(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"] and all(i["severity"] == "error" for i in body["issue"])
    assert "Traceback" not in response.text
    return list(body["issue"])


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"hook": "patient-view",',
        b"\xff\xfe\x00",
        b"[" * 5000 + b"]" * 5000,
        b"1e999999",
    ],
    ids=["garbage", "truncated", "binary", "nesting-bomb", "huge-number"],
)
async def test_malformed_json_is_400(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post(PV, content=raw, headers={"content-type": "application/json"})
    if raw == b"1e999999":  # valid JSON number (inf for some parsers): not a request object
        assert response.status_code in (400, 422)
        return
    issues = _outcome(response, 400)
    assert issues[0]["code"] == "structure"


def _mutate(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    target = body
    for part in parents:
        target = target[part]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return body


_DELETE = object()

INVALID: list[tuple[str, str, str, Any, str]] = [
    # (id, url, field, new value, expression expected)
    ("wrong hook", PV, "hook", "order-sign", "hook"),
    ("unknown hook", PV, "hook", "medication-prescribe", "hook"),
    ("no hookInstance", PV, "hookInstance", _DELETE, "hookInstance"),
    ("hookInstance not a UUID", PV, "hookInstance", "12345", "hookInstance"),
    ("no context", PV, "context", _DELETE, "context"),
    ("no patientId", PV, "context.patientId", _DELETE, "context.patientId"),
    ("no userId", PV, "context.userId", _DELETE, "context.userId"),
    ("patientId injection", PV, "context.patientId", "1&_id=2", "context.patientId"),
    ("userId not a reference", PV, "context.userId", "doc-1", "context.userId"),
    ("fhirServer not a URL", PV, "fhirServer", "ftp:/x", "fhirServer"),
    ("token type", PV, "fhirAuthorization.token_type", "MAC", "fhirAuthorization.token_type"),
    ("prefetch not an object", PV, "prefetch", ["x"], "prefetch"),
    ("order-sign without draftOrders", OSIGN, "hook", "order-sign", "context.draftOrders"),
]


@pytest.mark.parametrize(
    ("url", "field", "value", "expression"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
async def test_invalid_request_is_422_naming_the_field(
    client: httpx.AsyncClient, url: str, field: str, value: Any, expression: str
) -> None:
    body = _mutate(request(prefetch=full_prefetch()), field, value)
    response = await client.post(url, json=body)
    issues = _outcome(response, 422)
    assert expression in [e for i in issues for e in i.get("expression", [])], issues
    assert TOKEN not in response.text
    if field == "context.patientId":
        assert "1&_id=2" not in response.text  # values are never echoed


async def test_authorization_without_fhir_server_is_422(client: httpx.AsyncClient) -> None:
    body = request(prefetch=full_prefetch())
    del body["fhirServer"]
    issues = _outcome(await client.post(PV, json=body), 422)
    assert "fhirServer is required" in issues[0]["diagnostics"]


async def test_order_select_needs_selections(client: httpx.AsyncClient) -> None:
    context = {
        "userId": "Practitioner/doc-1",
        "patientId": PATIENT_ID,
        "draftOrders": draft_orders(service_request("sr1")),
    }
    body = request("order-select", prefetch=full_prefetch("order-select"), context=context)
    issues = _outcome(await client.post(OSEL, json=body), 422)
    assert issues[0]["expression"] == ["context.selections"]


async def test_missing_body_and_wrong_content_type(client: httpx.AsyncClient) -> None:
    _outcome(await client.post(PV), 422)
    response = await client.post(PV, content=b"hook=x", headers={"content-type": "text/plain"})
    _outcome(response, 422)


async def test_unknown_service_is_404(client: httpx.AsyncClient) -> None:
    issues = _outcome(await client.post("/cds-services/no-such-service", json=request()), 404)
    assert issues[0]["code"] == "not-found"
    _outcome(await client.post("/cds-services/no-such-service/feedback", json={}), 404)
    _outcome(await client.get("/no/such/path"), 404)


async def test_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    _outcome(await client.get(PV), 405)


async def test_declared_oversize_body_is_413(tmp_path: Path) -> None:
    async with running_app(make_settings(tmp_path, max_body_bytes=10_000)) as client:
        response = await client.post(
            PV, content=b" " * 10_001, headers={"content-type": "application/json"}
        )
    issues = _outcome(response, 413)
    assert "CDS_MAX_BODY_BYTES" in issues[0]["diagnostics"]


async def test_streamed_oversize_body_is_413(tmp_path: Path) -> None:
    """No Content-Length (chunked): refused while counting, the body is never read to its end."""
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(1000):
            sent += 1
            yield b" " * 4096

    async with running_app(make_settings(tmp_path, max_body_bytes=10_000)) as client:
        response = await client.post(
            PV, content=chunks(), headers={"content-type": "application/json"}
        )
    _outcome(response, 413)
    assert sent < 1000


async def test_oversize_body_is_drained_up_to_twice_the_limit_then_cut_off(tmp_path: Path) -> None:
    """Up to the limit again is read and dropped before the 413 (so a client that writes before
    reading sees it); never more."""
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(100):
            sent += 1
            yield b" " * 1000

    async with running_app(make_settings(tmp_path, max_body_bytes=10_000)) as client:
        response = await client.post(
            PV, content=chunks(), headers={"content-type": "application/json"}
        )
    _outcome(response, 413)
    assert 20 <= sent <= 21


async def test_a_stalled_body_is_408(tmp_path: Path) -> None:
    """A body that stops arriving (shorter than it said) is answered, not waited for."""
    stalled = asyncio.Event()

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"hook": '
        await stalled.wait()  # never set: the rest never comes
        yield b"}"

    settings = make_settings(tmp_path, body_timeout_seconds=0.3)
    async with running_app(settings) as client:
        response = await asyncio.wait_for(
            client.post(PV, content=chunks(), headers={"content-type": "application/json"}), 5
        )
    issues = _outcome(response, 408)
    assert issues[0]["code"] == "timeout"
    assert "CDS_BODY_TIMEOUT_SECONDS" in issues[0]["diagnostics"]


async def test_body_at_the_limit_is_accepted(tmp_path: Path) -> None:
    body = httpx.Request("POST", "http://x", json=request(prefetch=full_prefetch())).content
    async with running_app(make_settings(tmp_path, max_body_bytes=len(body))) as client:
        response = await client.post(PV, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text


async def test_too_many_prefetch_entries_is_422(tmp_path: Path) -> None:
    from tests.service.builders import condition, key_for

    prefetch = full_prefetch("patient-view", *(condition(f"c{i}") for i in range(20)))
    assert len(prefetch[key_for("Condition")]["entry"]) == 20
    async with running_app(make_settings(tmp_path, max_prefetch_entries=10)) as client:
        issues = _outcome(await client.post(PV, json=request(prefetch=prefetch)), 422)
    assert issues[0]["code"] == "too-costly"


async def test_an_unexpected_bug_is_a_bare_500_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from cds.engine import Engine

    async def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(f"secret detail {PATIENT_ID}")

    monkeypatch.setattr(Engine, "handle", boom)
    async with running_app(make_settings(tmp_path)) as client:
        response = await client.post(PV, json=request(prefetch=full_prefetch()))
    issues = _outcome(response, 500)
    assert issues[0]["diagnostics"] == "internal error"
    assert PATIENT_ID not in response.text
    assert PATIENT_ID not in caplog.text
    assert any(getattr(r, "error", None) == "RuntimeError" for r in caplog.records)
