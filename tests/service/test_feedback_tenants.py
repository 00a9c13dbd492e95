"""Feedback belongs to the caller's tenant: its verified issuer, and its configured tenant.

Two clients of one service, each with a valid token: neither reads the other's summary (which
holds free-text override reasons) nor reports on the other's cards (422 naming the item, the
batch refused whole). Two set-ups: two issuers, and one issuer serving two configured tenants.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cds.settings import Settings, TrustedClient
from tests.conftest import make_settings, running_app
from tests.security.tokens import PUBLIC_URL, claims, jwks, sign
from tests.service.builders import PV, condition, full_prefetch, request
from tests.storage.conftest import BACKENDS, empty_database

FEEDBACK = f"{PV}/feedback"
SECRET_NOTE = "A's own note on this patient"


@dataclass(frozen=True)
class Client:
    """One EHR tenant: how it is trusted, and the tokens it signs."""

    trusted: TrustedClient
    key_name: str

    def token(self, path: str) -> str:
        tenant = {"tenant": self.trusted.tenant} if self.trusted.tenant else {}
        payload = claims(iss=self.trusted.iss, aud=f"{PUBLIC_URL}{path}", **tenant)
        return sign(payload, key_name=self.key_name)


def _client(iss: str, key_name: str, tenant: str | None = None) -> Client:
    trusted = TrustedClient(iss=iss, jwks=jwks(key_name), tenant=tenant, fhir_servers=[])
    return Client(trusted, key_name)


SETUPS: dict[str, tuple[Client, Client]] = {
    "two issuers": (
        _client("https://ehr-a.example.org", "es384"),
        _client("https://ehr-b.example.org", "es384b"),
    ),
    "one issuer, two tenants": (
        _client("https://ehr.example.net", "es384", tenant="north"),
        _client("https://ehr.example.net", "es384", tenant="south"),
    ),
}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=list(SETUPS))
def clients(request: pytest.FixtureRequest) -> tuple[Client, Client]:
    return SETUPS[request.param]


@pytest.fixture
def settings_for(backend: str, tmp_path: Path) -> Iterator[Callable[..., Settings]]:
    with empty_database(backend, tmp_path) as url:

        def settings(*clients: Client) -> Settings:
            return make_settings(
                tmp_path,
                database_url=url,
                auth="on",
                public_url=PUBLIC_URL,
                trusted_clients=[c.trusted for c in clients],
                fhir_allowlist=[],
            )

        yield settings


class Caller:
    """An HTTP client that signs every request as one tenant."""

    def __init__(self, http: httpx.AsyncClient, client: Client) -> None:
        self.http = http
        self.client = client

    async def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.client.token(path)}"}
        return await self.http.post(path, json=body, headers=headers)

    async def get(self, path: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.client.token(path)}"}
        return await self.http.get(path, headers=headers)

    async def issue_cards(self, hook_instance: str | None = None) -> list[dict[str, Any]]:
        body = request(prefetch=full_prefetch("patient-view", condition("c1")), fhir=False)
        if hook_instance is not None:
            body["hookInstance"] = hook_instance
        response = await self.post(PV, body)
        assert response.status_code == 200, response.text
        cards: list[dict[str, Any]] = response.json()["cards"]
        assert cards
        return cards

    async def summaries(self) -> list[Any]:
        every = await self.get("/feedback/summary")
        one = await self.get(f"{FEEDBACK}/summary")
        assert every.status_code == one.status_code == 200, every.text + one.text
        return [every.json()["topics"], one.json()["topics"]]


@pytest.fixture
async def callers(
    clients: tuple[Client, Client], settings_for: Callable[..., Settings]
) -> AsyncIterator[tuple[Caller, Caller]]:
    async with running_app(settings_for(*clients)) as http:
        yield Caller(http, clients[0]), Caller(http, clients[1])


def _override(card: str, at: str = "2025-03-01T12:06:00Z") -> dict[str, Any]:
    reason = {"system": "https://example.org/r", "code": "other", "display": "Other"}
    return {
        "card": card,
        "outcome": "overridden",
        "overrideReason": {"reason": reason, "userComment": SECRET_NOTE},
        "outcomeTimestamp": at,
    }


async def test_a_client_reads_only_its_own_feedback(callers: tuple[Caller, Caller]) -> None:
    a, b = callers
    cards = await a.issue_cards()
    response = await a.post(FEEDBACK, {"feedback": [_override(cards[0]["uuid"])]})
    assert response.status_code == 200, response.text
    assert await b.summaries() == [[], []]
    for topics in await a.summaries():
        assert [(t["topic"], t["overridden"]) for t in topics] == [
            (cards[0]["source"]["topic"]["code"], 1)
        ]


async def test_feedback_on_another_clients_card_is_refused_whole(
    callers: tuple[Caller, Caller],
) -> None:
    a, b = callers
    cards = await a.issue_cards()
    own = await b.issue_cards()
    items = [_override(own[0]["uuid"]), _override(cards[0]["uuid"])]
    response = await b.post(FEEDBACK, {"feedback": items})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert [(i["code"], i["expression"]) for i in body["issue"]] == [
        ("not-found", ["feedback[1].card"])
    ]
    assert await b.summaries() == [[], []]  # nothing of the batch stored
    assert await a.summaries() == [[], []]
    assert (await b.post(FEEDBACK, {"feedback": items[:1]})).status_code == 200


async def test_two_clients_may_be_issued_the_same_card_id(callers: tuple[Caller, Caller]) -> None:
    """Card ids derive from the EHR's hookInstance; a reused one must not lock a client out."""
    a, b = callers
    hook_instance = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"  # the spec's example
    cards_a = await a.issue_cards(hook_instance)
    cards_b = await b.issue_cards(hook_instance)
    assert [c["uuid"] for c in cards_a] == [c["uuid"] for c in cards_b]
    for caller in (a, b):
        response = await caller.post(FEEDBACK, {"feedback": [_override(cards_a[0]["uuid"])]})
        assert response.json()["stored"] == 1, response.text
        topics = (await caller.summaries())[0]
        assert [(t["topic"], t["overridden"]) for t in topics] == [
            (cards_a[0]["source"]["topic"]["code"], 1)
        ]
