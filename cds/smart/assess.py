"""Running the hooks' engine for the app and the demo page: one code path, no second evaluator.

The app builds the ``patient-view`` request an EHR would send (``fhirServer`` = the launch's
``iss``, ``fhirAuthorization`` = the app's access token, no prefetch) and hands it to
``cds.engine.Engine``: the same fallback fetch, mapping and triage as a hook call. The answers
typed into the app are evaluated the same way: ``RecordWithAnswers`` adds the Observations (and
the judged alternative diagnosis) the app would write to what the EHR's searches return, so the
decision shown is exactly the one the next hook call will give once they are saved.

The demo page replays a bundle the way ``cds-triage replay`` does: the bundle's dates moved to
now, every prefetch template evaluated against it (``cds.replay.request``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from cards.models import Card
from cds.engine import CallSummary, Engine
from cds.fhir_client import EntryBudget, FhirClient, FhirServer
from cds.hooks import REQUEST_MODELS, PatientViewRequest
from cds.replay.fixture import Fixture
from cds.replay.request import build_request
from cds.security import VerifiedClient
from cds.services import service_id_for
from cds.settings import Settings
from cds.smart.link import AppContext, read_app_context
from cds.state import AppState

USER_TYPES = ("Practitioner/", "PractitionerRole/", "Patient/", "RelatedPerson/")


class RecordWithAnswers(FhirClient):
    """The EHR's FHIR server, plus resources the app holds but has not written (yet)."""

    def __init__(
        self, http: httpx.AsyncClient, settings: Settings, extra: Sequence[dict[str, Any]]
    ) -> None:
        super().__init__(http, settings)
        self._extra = list(extra)

    async def search(
        self, server: FhirServer, query: str, label: str, budget: EntryBudget
    ) -> list[dict[str, Any]]:
        pages = await super().search(server, query, label, budget)
        kind = query.split("?", 1)[0]
        mine = [r for r in self._extra if r.get("resourceType") == kind]
        if mine:
            budget.take(len(mine), label)
            pages.append(
                {
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "entry": [{"resource": r, "search": {"mode": "match"}} for r in mine],
                }
            )
        return pages


@dataclass(frozen=True, slots=True)
class Assessment:
    cards: list[Card]
    card: Card | None  # the card that carries the assessment link (None: nothing undocumented)
    context: AppContext  # what that link says is undocumented


def app_settings(settings: Settings, launch_url: str) -> Settings:
    """The settings the app evaluates with: always with a launch URL, so the card says which
    criteria are undocumented (``cds.smart.link``) whatever the site configured for its cards."""
    return settings.model_copy(update={"smart_launch_url": launch_url})


def user_reference(fhir_user: str | None, iss: str) -> str:
    """``context.userId`` from the ``fhirUser`` claim (absolute or relative)."""
    if fhir_user:
        relative = fhir_user.removeprefix(iss.rstrip("/") + "/")
        if relative.startswith(USER_TYPES) and relative.count("/") == 1:
            return relative
    return "Practitioner/unknown"


async def assess_chart(
    state: AppState,
    settings: Settings,
    *,
    iss: str,
    token: str,
    patient: str,
    user: str,
    caller: VerifiedClient | None,
    extra: Sequence[dict[str, Any]] = (),
) -> Assessment:
    """Cards for the open chart (plus ``extra``), exactly as a patient-view hook call gives them.

    Raises the engine's ``CdsError`` (e.g. 412 when the FHIR server cannot be read).
    """
    request = PatientViewRequest.model_validate(
        {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "fhirServer": iss,
            "fhirAuthorization": {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "patient/*.rs",
                "subject": settings.smart_client_id,
                "patient": patient,
            },
            "context": {"userId": user, "patientId": patient},
        }
    )
    fhir = RecordWithAnswers(state.http, settings, extra)
    engine = Engine(settings, fhir=fhir, store=None, clock=state.clock)
    service = state.services[service_id_for("patient-view")]
    response = await engine.handle(service, request, caller, CallSummary())
    return _with_link(response.cards)


async def assess_bundle(state: AppState, settings: Settings, fixture: Fixture) -> list[Card]:
    """Cards for a bundle, as ``cds-triage replay`` gets them (no FHIR server, no store)."""
    service = state.services[service_id_for(fixture.hook)]  # type: ignore[arg-type]
    body = build_request(fixture, service.prefetch)
    request = REQUEST_MODELS[fixture.hook].model_validate(body)  # type: ignore[index]
    engine = Engine(settings, fhir=None, store=None, clock=state.clock)
    response = await engine.handle(service, request, None, CallSummary())
    return response.cards


def _with_link(cards: list[Card]) -> Assessment:
    """The first card that links to the app, with what every such card says is undocumented
    (the PE card asks only the examination, the DVT card also the alternative diagnosis)."""
    found: list[tuple[Card, AppContext]] = []
    for card in cards:
        for link in card.links or []:
            if link.type == "smart":
                context = read_app_context(link.appContext)
                if context.undocumented:
                    found.append((card, context))
    if not found:
        return Assessment(cards=cards, card=None, context=AppContext())
    keys = dict.fromkeys(key for _, context in found for key in context.undocumented)
    leg = next((context.leg for _, context in found if context.leg), None)
    first, context = found[0]
    merged = AppContext(card=context.card, leg=leg, undocumented=tuple(keys))
    return Assessment(cards=cards, card=first, context=merged)
