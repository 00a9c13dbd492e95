"""FHIR server faults through respx: each ends in 412 within the deadline, never 500 or a hang.

The Patient read and the other searches succeed; only the Observation search misbehaves, so the
412 must name exactly ``prefetch.observations`` and say why (issue 7, "Faults and bad input").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from tests.conftest import FHIR_BASE, running_app
from tests.faults.conftest import (
    FETCH_DEADLINE,
    MARGIN,
    PATIENT_ID,
    TOKEN,
    assert_precondition_failed,
    calf_pain,
    fault_settings,
    heart_rate,
    patient,
    pv_request,
    timed_post,
)
from tests.faults.local_server import searchset

Fault = Callable[[httpx.Request], httpx.Response]


async def _drip() -> AsyncIterator[bytes]:
    for byte in b'{"resourceType":"Bundle","type":"searchset","entry":[]}':
        await asyncio.sleep(0.2)
        yield bytes([byte])


def raise_(exc: type[Exception]) -> Fault:
    def fault(request: httpx.Request) -> httpx.Response:
        raise exc("injected", request=request)

    return fault


async def hang(request: httpx.Request) -> httpx.Response:
    await asyncio.sleep(30)  # cancelled by the service's own timeout long before
    return httpx.Response(200, json=searchset([]))


def endless_next(request: httpx.Request) -> httpx.Response:
    n = int(request.url.params.get("page", "0")) + 1
    return httpx.Response(200, json=searchset([], next_url=f"{FHIR_BASE}/Observation?page={n}"))


def answer(status: int, **kwargs: Any) -> Fault:
    return lambda request: httpx.Response(status, **kwargs)


# (case, fault, words one of which the OperationOutcome must use)
FAULTS: list[tuple[str, Any, tuple[str, ...]]] = [
    ("read timeout", raise_(httpx.ReadTimeout), ("timeout", "within")),
    ("connect timeout", raise_(httpx.ConnectTimeout), ("timeout", "within", "connect")),
    ("server never answers", hang, ("within", "timeout")),
    ("connection refused", raise_(httpx.ConnectError), ("connect",)),
    ("connection dropped", raise_(httpx.RemoteProtocolError), ("connect", "protocol")),
    ("401", answer(401), ("401",)),
    ("403", answer(403), ("403",)),
    ("404", answer(404), ("404",)),
    ("500", answer(500, text="boom"), ("500",)),
    ("503", answer(503), ("503",)),
    (
        "redirect not followed",
        answer(302, headers={"location": "https://evil.example/"}),
        ("302", "redirect"),
    ),
    ("malformed JSON", answer(200, content=b'{"resourceType": "Bundle", "entry": ['), ("json",)),
    ("empty body", answer(200, content=b""), ("json",)),
    ("JSON but not an object", answer(200, content=b"[1, 2]"), ("resource", "bundle")),
    ("a Patient where a Bundle is expected", answer(200, json=patient()), ("bundle",)),
    (
        "OperationOutcome with 200",
        answer(200, json={"resourceType": "OperationOutcome", "issue": []}),
        ("operationoutcome", "bundle"),
    ),
    (
        "a Bundle whose entry is not a list",
        answer(200, json={"resourceType": "Bundle", "type": "searchset", "entry": "x"}),
        ("entry",),
    ),
    (
        "slow drip",
        lambda request: httpx.Response(200, content=_drip()),
        ("within", "timeout"),
    ),
]


def _healthy_routes(mock: respx.MockRouter) -> None:
    mock.get(f"{FHIR_BASE}/Patient/{PATIENT_ID}").mock(
        return_value=httpx.Response(200, json=patient())
    )
    mock.get(url__startswith=f"{FHIR_BASE}/Condition").mock(
        return_value=httpx.Response(200, json=searchset([calf_pain()]))
    )
    for kind in (
        "Procedure",
        "MedicationRequest",
        "MedicationStatement",
        "MedicationAdministration",
        "Encounter",
        "DeviceUseStatement",
    ):
        mock.get(url__startswith=f"{FHIR_BASE}/{kind}").mock(
            return_value=httpx.Response(200, json=searchset([]))
        )


@pytest.mark.parametrize(("fault", "hints"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
async def test_observation_search_fault_is_412_within_deadline(
    tmp_path: Path, fault: Any, hints: tuple[str, ...]
) -> None:
    seen: list[httpx.Request] = []

    def recorded(request: httpx.Request) -> Any:
        seen.append(request)  # before the fault: respx records a call only once it returns
        return fault(request)

    async with respx.mock(assert_all_called=False) as mock:
        _healthy_routes(mock)
        mock.get(url__startswith=f"{FHIR_BASE}/Observation").mock(side_effect=recorded)
        async with running_app(fault_settings(tmp_path, FHIR_BASE)) as client:
            result = await timed_post(client, pv_request(FHIR_BASE))
    assert seen, "the Observation search was never sent"
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert_precondition_failed(result, "observations", hints)


async def test_endless_next_pages_leave_observations_not_retrieved(tmp_path: Path) -> None:
    """Past CDS_MAX_PAGES a search is dropped, not the call: 200 within the deadline, the
    Observation searches counted as left out, so their criteria read "not retrieved"."""
    async with respx.mock(assert_all_called=False) as mock:
        _healthy_routes(mock)
        pages = mock.get(url__startswith=f"{FHIR_BASE}/Observation").mock(side_effect=endless_next)
        async with running_app(fault_settings(tmp_path, FHIR_BASE)) as client:
            result = await timed_post(client, pv_request(FHIR_BASE))
    r = result.response
    assert r.status_code == 200, r.text[:500]
    assert result.elapsed < FETCH_DEADLINE + MARGIN
    searches = [c for c in pages.calls if "page" not in c.request.url.params]
    assert len(pages.calls) == len(searches) * (1 + 5)  # each: its first page and 5 more
    skipped = r.json()["extension"]["org.example.calf-triage.skipped-resources"]
    assert skipped["byResourceType"] == {"Observation": len(searches)}


async def test_every_query_failing_names_every_key(tmp_path: Path) -> None:
    async with respx.mock(assert_all_called=False) as mock:
        mock.get(url__startswith=FHIR_BASE).mock(side_effect=hang)
        async with running_app(fault_settings(tmp_path, FHIR_BASE)) as client:
            result = await timed_post(client, pv_request(FHIR_BASE))
    assert_precondition_failed(result, "patient", ("within", "timeout"))
    assert_precondition_failed(result, "observations", ("within", "timeout"))
    assert_precondition_failed(result, "conditions", ("within", "timeout"))


async def test_deadline_caps_many_slow_successful_pages(tmp_path: Path) -> None:
    """Each page answers inside the per-call timeout, but together they pass the deadline."""

    async def slow_page(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.4)
        return endless_next(request)

    async with respx.mock(assert_all_called=False) as mock:
        _healthy_routes(mock)
        mock.get(url__startswith=f"{FHIR_BASE}/Observation").mock(side_effect=slow_page)
        settings = fault_settings(tmp_path, FHIR_BASE, max_pages=50)
        async with running_app(settings) as client:
            result = await timed_post(client, pv_request(FHIR_BASE))
    assert_precondition_failed(result, "observations", ("within", "deadline"))
    assert result.elapsed > FETCH_DEADLINE * 0.9  # it did wait for the deadline, no more


async def test_prefetched_page_whose_next_page_fails(tmp_path: Path) -> None:
    """A prefetched searchset with a ``next`` link: the next page 500s, so the data is partial."""
    first = searchset([heart_rate("obs-1")], next_url=f"{FHIR_BASE}/Observation?page=2")
    prefetch = {"observations": first}
    async with respx.mock(assert_all_called=False) as mock:
        _healthy_routes(mock)
        page = mock.get(url__startswith=f"{FHIR_BASE}/Observation").mock(
            return_value=httpx.Response(500)
        )
        async with running_app(fault_settings(tmp_path, FHIR_BASE)) as client:
            result = await timed_post(client, pv_request(FHIR_BASE, prefetch))
    assert page.called
    assert_precondition_failed(result, "observations", ("500",))


async def test_other_patients_data_is_left_out_and_said_so(tmp_path: Path) -> None:
    """What did arrive is used: a foreign resource is skipped and counted, the answer is 200."""
    bundle = searchset([heart_rate("obs-1"), heart_rate("obs-2", patient_id="someone-else")])
    async with respx.mock(assert_all_called=False) as mock:
        _healthy_routes(mock)
        # the heart rate's search answers with both (the code list is split in several)
        mock.get(url__startswith=f"{FHIR_BASE}/Observation").mock(
            side_effect=lambda request: httpx.Response(
                200, json=bundle if "8867-4" in str(request.url) else searchset([])
            )
        )
        async with running_app(fault_settings(tmp_path, FHIR_BASE)) as client:
            result = await timed_post(client, pv_request(FHIR_BASE))
    r = result.response
    assert r.status_code == 200, r.text[:500]
    assert result.elapsed < FETCH_DEADLINE + MARGIN
    extension = r.json().get("extension") or {}
    counts = [v for k, v in extension.items() if "skipped" in k]
    assert counts and counts[0]["count"] == 1, extension
    assert "someone-else" not in r.text
