"""``GET /fhir/ValueSet`` and ``GET /fhir/ValueSet/{id}``: every value set the rules read.

A site's terminology team reviews what the service recognises here and maps its local codes to
it (``CDS_LOCAL_CODES_FILE``). The ValueSets are served as loaded (``fhir_mappings/valuesets``):
FHIR R4 resources with their version and complete expansion; the public VSAC copies unchanged,
the project supplements with each code's source and status. They hold no patient data, so the
routes need no client token, like ``/health``.

Search parameters: ``url`` (exact canonical), ``_summary=true`` (no expansion: the list of what
exists, without the tens of thousands of codes). Any other parameter is refused with a 400
OperationOutcome rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cds.errors import BadRequest, NotFound
from cds.handlers import OrjsonResponse
from cds.hooks import OperationOutcomeModel
from fhir_mappings.terminology import ValueSet, builtin_value_sets

router = APIRouter(default_response_class=OrjsonResponse, tags=["terminology"])
FHIR_JSON = "application/fhir+json"
_PARAMETERS = frozenset({"url", "_summary"})
_FHIR_OBJECT: dict[str, Any] = {
    "content": {FHIR_JSON: {"schema": {"type": "object", "additionalProperties": True}}}
}
_OUTCOME: dict[str, Any] = {
    "model": OperationOutcomeModel,
    "content": {FHIR_JSON: {"schema": {"$ref": "#/components/schemas/OperationOutcomeModel"}}},
}


def value_set_resource(vs: ValueSet, *, summary: bool = False) -> dict[str, Any]:
    """The ValueSet as served: as loaded, or without its expansion for a summary."""
    resource = dict(vs.resource)
    if summary:
        resource.pop("expansion", None)
        resource.pop("compose", None)
        resource["meta"] = {
            "tag": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
                    "code": "SUBSETTED",
                }
            ]
        }
    return resource


def _summary(params: Mapping[str, str]) -> bool:
    value = params.get("_summary", "false")
    if value not in ("true", "false"):
        raise BadRequest("_summary must be true or false")
    return value == "true"


@router.get(
    "/fhir/ValueSet",
    responses={
        200: {**_FHIR_OBJECT, "description": "searchset Bundle of ValueSets"},
        400: {**_OUTCOME, "description": "Unsupported search parameter or value"},
    },
)
async def search_value_sets(request: Request) -> Response:
    """A searchset Bundle of the value sets (filtered by ``url`` when given)."""
    params = request.query_params
    unknown = sorted(set(params) - _PARAMETERS)
    if unknown:
        raise BadRequest(f"unsupported search parameter: {', '.join(unknown)}")
    summary = _summary(params)
    wanted = params.get("url")
    base = str(request.base_url).rstrip("/")
    matches = [vs for vs in builtin_value_sets().values() if wanted in (None, vs.url)]
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(matches),
        "link": [{"relation": "self", "url": str(request.url)}],
        "entry": [
            {
                "fullUrl": f"{base}/fhir/ValueSet/{vs.id}",
                "resource": value_set_resource(vs, summary=summary),
                "search": {"mode": "match"},
            }
            for vs in matches
        ],
    }
    return OrjsonResponse(bundle, media_type=FHIR_JSON)


@router.get(
    "/fhir/ValueSet/{value_set_id}",
    responses={
        200: {**_FHIR_OBJECT, "description": "The ValueSet with its expansion"},
        404: {**_OUTCOME, "description": "No ValueSet with this id"},
    },
)
async def read_value_set(value_set_id: str) -> Response:
    """One value set by id (a VSAC OID, or ``calf-triage-<list>`` for a supplement)."""
    vs = builtin_value_sets().get(value_set_id)
    if vs is None:
        raise NotFound(f"no ValueSet with id {value_set_id!r}")
    return OrjsonResponse(value_set_resource(vs), media_type=FHIR_JSON)
