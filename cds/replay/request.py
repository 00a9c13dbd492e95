"""Building the CDS Hooks request a real EHR would send for a fixture.

- ``hookInstance`` is the fixture's (``Fixture.hook_instance``: stable, so the goldens are).
- ``context`` comes from the bundle: its Patient (and Encounter, Practitioner as the user) and,
  for the order hooks, the draft orders (``order-select`` also lists the selected ones).
- ``prefetch`` is built from the discovery response: every template the service advertises is
  rendered with the context and evaluated against the bundle (``fhir_query``), so the keys are
  exactly the ones asked for. Nothing is hard-coded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cds.fixture_bundle import Fixture
from cds.prefetch import UnresolvableTemplate, render_template
from cds.replay.fhir_query import evaluate

DEFAULT_FHIR_BASE = "https://ehr.example.org/fhir"


def build_context(fixture: Fixture) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": fixture.user_id, "patientId": fixture.patient_id}
    if fixture.encounter_id:
        context["encounterId"] = fixture.encounter_id
    if fixture.hook in {"order-select", "order-sign"}:
        context["draftOrders"] = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in fixture.draft_orders],
        }
        if fixture.hook == "order-select":
            context["selections"] = fixture.selections
    return context


def render(template: str, context: Mapping[str, Any]) -> str | None:
    """Fill the template's tokens exactly as the service does; ``None`` when one has no value."""
    try:
        return render_template(template, context)
    except UnresolvableTemplate:
        return None


def build_prefetch(
    fixture: Fixture,
    templates: Mapping[str, str],
    context: Mapping[str, Any],
    base: str = DEFAULT_FHIR_BASE,
) -> dict[str, Any]:
    """Each template evaluated against the bundle's record (a template we cannot fill is left
    out, which tells the service to fetch it itself)."""
    prefetch: dict[str, Any] = {}
    for key, template in templates.items():
        query = render(template, context)
        if query is not None:
            prefetch[key] = evaluate(fixture.record, query, base)
    return prefetch


def build_request(
    fixture: Fixture,
    templates: Mapping[str, str] | None,
    *,
    fhir_server: str | None = None,
    access_token: str | None = None,
) -> dict[str, Any]:
    """The request body; ``templates=None`` sends no prefetch (the service must fetch)."""
    context = build_context(fixture)
    body: dict[str, Any] = {
        "hook": fixture.hook,
        "hookInstance": fixture.hook_instance,
        "context": context,
    }
    if fhir_server:
        body["fhirServer"] = fhir_server
        if access_token:
            body["fhirAuthorization"] = {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "patient/Patient.read patient/Observation.read patient/Condition.read "
                "patient/Procedure.read patient/MedicationRequest.read",
                "subject": "calf-triage-cds",
                "patient": fixture.patient_id,
            }
    if templates is not None:
        body["prefetch"] = build_prefetch(
            fixture, templates, context, fhir_server or DEFAULT_FHIR_BASE
        )
    return body
