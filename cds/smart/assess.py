"""Running the hooks' engine for the app and the demo page: one code path, no second evaluator.

The app gathers the chart as a ``patient-view`` hook call without prefetch does
(``Engine.gather``: ``fhirServer`` = the launch's ``iss``, ``fhirAuthorization`` = the app's
access token), then hands what it holds to ``Engine.cards_for``, the same mapping and triage as
a hook call. The answers typed into the app are added to those resources (the Observations and
the judged alternative diagnosis the app would write), so the decision shown is exactly the one
the next hook call will give once they are saved.

The demo page hands a bundle's record to ``Engine.cards_for`` as an EHR holding only that bundle
would have it: every resource the service reads, every data set it searches counted as searched.
Nothing here emulates a FHIR search.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cards.models import Card
from cds.engine import Engine
from cds.fhir_client import FhirClient
from cds.fixture_bundle import Fixture
from cds.hooks import PatientViewRequest
from cds.prefetch import Collected
from cds.queries import STATUS_FILTERS
from cds.security import VerifiedClient
from cds.services import CdsService, service_id_for
from cds.settings import Settings
from cds.smart.link import AppContext, read_app_context
from cds.state import AppState

USER_TYPES = ("Practitioner/", "PractitionerRole/", "Patient/", "RelatedPerson/")


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
    engine = Engine(settings, fhir=FhirClient(state.http, settings), store=None, clock=state.clock)
    service = state.services[service_id_for("patient-view")]
    record = await engine.gather(service, request, caller)
    for resource in extra:
        record.add(resource)
    cards, _ = await engine.cards_for(
        service, record, patient_id=patient, hook_instance=str(request.hookInstance)
    )
    return _with_link(cards)


async def assess_bundle(state: AppState, settings: Settings, fixture: Fixture) -> list[Card]:
    """Cards for a bundle, as ``cds-triage replay`` gets them (no FHIR server, no store)."""
    service = state.services[service_id_for(fixture.hook)]  # type: ignore[arg-type]
    engine = Engine(settings, fhir=None, store=None, clock=state.clock)
    cards, _ = await engine.cards_for(
        service,
        bundle_record(fixture, service),
        patient_id=fixture.patient_id,
        hook_instance=fixture.hook_instance,
        draft_orders=fixture.draft_orders,
        selections=fixture.selections if fixture.hook == "order-select" else None,
    )
    return cards


def bundle_record(fixture: Fixture, service: CdsService) -> Collected:
    """The bundle as the record of an EHR that holds nothing else: its resources (draft orders
    apart, they come with the order hooks) but the orders in statuses the service does not ask
    for (``cds.queries.STATUS_FILTERS``: the counts on the cards are of what an EHR sends), and
    every data set ``service`` searches, found or not. The mapping reads a resource only if it
    is the patient's and of a type it maps."""
    available = {spec.resource_type for spec in service.searches}
    resources = [r for r in fixture.record if _asked_for(r)]
    return Collected(resources=resources, available=available)


def _asked_for(resource: dict[str, Any]) -> bool:
    statuses = STATUS_FILTERS.get(str(resource.get("resourceType")))
    return statuses is None or resource.get("status") in statuses.split(",")


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
