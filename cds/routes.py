"""HTTP endpoints: discovery, one endpoint per service, feedback, feedback summary, health.

Each service has its own POST route with its hook's request model, so validation (wrong hook,
missing context field, non-UUID hookInstance) is pydantic's and /docs shows the real context of
each hook. Routes raise ``cds.errors``; ``cds.handlers`` renders them. Every route that touches
data takes its caller from ``CallerDep`` (``cds.state.authenticated``): with ``CDS_AUTH=on`` the
caller was verified by ``cds.security.AuthenticationMiddleware`` before the body was read.
``create_app`` includes ``router``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from cards.models import CdsResponse
from cds.engine import CallSummary
from cds.handlers import OrjsonResponse, OrjsonRoute, RecordedResponse
from cds.hooks import (
    DiscoveryResponse,
    FeedbackReceipt,
    FeedbackRequest,
    FeedbackSummary,
    HookRequest,
    OperationOutcomeModel,
    OrderSelectRequest,
    OrderSignRequest,
    PatientViewRequest,
)
from cds.middleware import log_fields
from cds.security import VerifiedClient
from cds.services import get_service, service_id_for
from cds.state import AppState, CallerDep, ServiceDep, StateDep
from cds.storage.tenants import tenant_of

router = APIRouter(route_class=OrjsonRoute, default_response_class=OrjsonResponse)


_OUTCOME: dict[str, Any] = {
    "model": OperationOutcomeModel,
    "description": "FHIR OperationOutcome",
    "content": {
        "application/fhir+json": {"schema": {"$ref": "#/components/schemas/OperationOutcomeModel"}}
    },
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {**_OUTCOME, "description": "Malformed JSON"},
    401: {**_OUTCOME, "description": "Missing or invalid client JWT"},
    403: {**_OUTCOME, "description": "fhirServer not allowed for this client"},
    404: {**_OUTCOME, "description": "Unknown service"},
    412: {**_OUTCOME, "description": "Required data neither prefetched nor retrievable"},
    413: {**_OUTCOME, "description": "Request body too large"},
    422: {**_OUTCOME, "description": "Not a valid CDS Hooks request for this service"},
    503: {
        **_OUTCOME,
        "description": "Service starting or stopping, or the token issuer's JWKS unreachable",
    },
}


@router.get("/health", tags=["operations"])
async def health(state: StateDep) -> dict[str, str]:
    """Liveness/readiness for orchestration: 200 once the lifespan has started, else 503."""
    return {"status": "ok", "auth": state.settings.auth}


@router.get(
    "/cds-services",
    response_model=DiscoveryResponse,
    responses=_ERRORS,
    tags=["CDS Hooks"],
)
async def discovery(state: StateDep, _caller: CallerDep) -> Response:
    """CDS Hooks discovery (l.74-162): one service per hook, prefetch derived from the triage."""
    body = DiscoveryResponse(services=[s.descriptor() for s in state.services.values()])
    return OrjsonResponse(body.to_json_dict())


async def _call(
    request: Request,
    state: AppState,
    caller: VerifiedClient | None,
    service_id: str,
    body: HookRequest,
) -> Response:
    service = get_service(state.services, service_id)
    fields = log_fields(request.scope)
    fields.update(service=service.id, hookInstance=str(body.hookInstance))
    summary = CallSummary()
    try:
        answer = await state.engine.handle(service, body, caller, summary)
    finally:
        fields.update(
            cards=summary.cards,
            topics=summary.topics,
            skipped=summary.skipped,
            fetched=summary.fetched or None,
        )
    return RecordedResponse(answer.response.to_json_dict(), recorded=answer.recorded)


_SERVICE_ROUTE: dict[str, Any] = {
    "response_model": CdsResponse,
    "responses": _ERRORS,
    "tags": ["CDS Hooks"],
}


@router.post(f"/cds-services/{service_id_for('patient-view')}", **_SERVICE_ROUTE)
async def patient_view(
    request: Request, body: PatientViewRequest, state: StateDep, caller: CallerDep
) -> Response:
    """Calf-pain triage when a chart is opened (hook ``patient-view``)."""
    return await _call(request, state, caller, service_id_for("patient-view"), body)


@router.post(f"/cds-services/{service_id_for('order-select')}", **_SERVICE_ROUTE)
async def order_select(
    request: Request, body: OrderSelectRequest, state: StateDep, caller: CallerDep
) -> Response:
    """Calf-pain triage while orders are selected (hook ``order-select``)."""
    return await _call(request, state, caller, service_id_for("order-select"), body)


@router.post(f"/cds-services/{service_id_for('order-sign')}", **_SERVICE_ROUTE)
async def order_sign(
    request: Request, body: OrderSignRequest, state: StateDep, caller: CallerDep
) -> Response:
    """Calf-pain triage before orders are signed (hook ``order-sign``)."""
    return await _call(request, state, caller, service_id_for("order-sign"), body)


@router.post("/cds-services/{service_id}", responses=_ERRORS, include_in_schema=False)
async def unknown_service(_caller: CallerDep, state: StateDep, service_id: str) -> Response:
    """Any other service id: 404 with an OperationOutcome (after authentication)."""
    get_service(state.services, service_id)
    raise AssertionError("unreachable: every known service has its own route")


@router.post(
    "/cds-services/{service_id}/feedback",
    response_model=FeedbackReceipt,
    responses=_ERRORS,
    tags=["CDS Hooks"],
)
async def feedback(
    request: Request,
    caller: CallerDep,
    service: ServiceDep,
    state: StateDep,
    body: FeedbackRequest,
) -> Response:
    """Store every feedback item (l.818-942); an exact duplicate delivery is stored once.

    Stored for the caller's tenant; a card issued to another tenant makes the batch a 422."""
    fields = log_fields(request.scope)
    fields.update(service=service.id, feedback_items=len(body.feedback))
    result = await state.store.store(tenant_of(caller), service.id, body.feedback)
    receipt = FeedbackReceipt(
        received=result.received, stored=result.stored, duplicates=result.duplicates
    )
    return OrjsonResponse(receipt.model_dump(mode="json"))


@router.get(
    "/cds-services/{service_id}/feedback/summary",
    response_model=FeedbackSummary,
    responses=_ERRORS,
    tags=["feedback"],
)
async def service_feedback_summary(
    caller: CallerDep, service: ServiceDep, state: StateDep
) -> Response:
    """The caller's tenant's accepted / overridden counts and override reasons per card topic,
    for one service."""
    summary = await state.store.summary(tenant_of(caller), service.id)
    return OrjsonResponse(summary.model_dump(mode="json", exclude_none=True))


@router.get(
    "/feedback/summary", response_model=FeedbackSummary, responses=_ERRORS, tags=["feedback"]
)
async def feedback_summary(caller: CallerDep, state: StateDep) -> Response:
    """The caller's tenant's accepted / overridden counts and override reasons per card topic,
    all services."""
    summary = await state.store.summary(tenant_of(caller))
    return OrjsonResponse(summary.model_dump(mode="json", exclude_none=True))
