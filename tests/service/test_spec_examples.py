"""Every JSON example cut from the CDS Hooks 2.0.1 spec and hook library parses with our models.

Table-driven over ``tests/data/cds-hooks/extracted-examples/`` (copied from the spec, see
``tests/data/SOURCES.md``): each file is classified (a new file that is not classified fails
``test_every_example_is_classified``), then parsed with the model for what it is. Examples that
are not R4 requests or responses are skipped with the reason. Two spec examples break the spec's
own REQUIRED rules; for those we check that exactly the missing field is what we reject.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from cards.models import Action, CdsResponse, OverrideReason, Source
from cds.hooks import (
    CdsRequest,
    DiscoveryResponse,
    FeedbackRequest,
    FhirAuthorization,
    OrderSelectContext,
    OrderSignContext,
    PatientViewContext,
    PatientViewRequest,
)
from tests.conftest import EXAMPLES

UUID = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"


def _context(model: type[Any]) -> Callable[[Any], object]:
    return lambda data: model.model_validate(data["context"])


def _field(adapter: TypeAdapter[Any], name: str) -> Callable[[Any], object]:
    return lambda data: adapter.validate_python(data[name])


PARSERS: dict[str, Callable[[Any], object]] = {
    "hook-order-select_01_example-r4.json": _context(OrderSelectContext),
    "hook-order-sign_01_example-r4.json": _context(OrderSignContext),
    "hook-patient-view_01_examples.json": _context(PatientViewContext),
    "hook-patient-view_02_examples.json": _context(PatientViewContext),
    "spec-2.0.1_01_discovery-example.json": DiscoveryResponse.model_validate,
    "spec-2.0.1_02_example.json": PatientViewRequest.model_validate,
    "spec-2.0.1_03_prefetch-template.json": _field(TypeAdapter(dict[str, str]), "prefetch"),
    "spec-2.0.1_07_example-prefetch-templates.json": _field(
        TypeAdapter(dict[str, str]), "prefetch"
    ),
    "spec-2.0.1_08_example-prefetch-data.json": lambda data: CdsRequest.model_validate(
        {"hook": "patient-view", "hookInstance": UUID, "context": {}, **data}
    ),
    "spec-2.0.1_09_passing-the-access-token-to-the-cds-service.json": _field(
        TypeAdapter(FhirAuthorization), "fhirAuthorization"
    ),
    "spec-2.0.1_10_http-response.json": CdsResponse.model_validate,
    "spec-2.0.1_11_source.json": _field(TypeAdapter(Source), "source"),
    "spec-2.0.1_12_action.json": Action.model_validate,
    "spec-2.0.1_13_action.json": Action.model_validate,
    "spec-2.0.1_14_action.json": Action.model_validate,
    "spec-2.0.1_15_reasons-for-rejecting-a-card.json": _field(
        TypeAdapter(list[OverrideReason]), "overrideReasons"
    ),
    "spec-2.0.1_17_example.json": CdsResponse.model_validate,
    "spec-2.0.1_19_example-suggestion-accepted.json": FeedbackRequest.model_validate,
    "spec-2.0.1_20_example-overridden-guidance-without-overridereason.json": (
        FeedbackRequest.model_validate
    ),
    "spec-2.0.1_21_example-overridden-guidance-with-overridereason.json": (
        FeedbackRequest.model_validate
    ),
    # A request whose context is cut down to show `extension`: valid as a generic request.
    "spec-2.0.1_26_extensions.json": CdsRequest.model_validate,
    "spec-2.0.1_27_extensions.json": DiscoveryResponse.model_validate,
    "spec-2.0.1_28_what-s-the-difference.json": _context(PatientViewContext),
    "spec-2.0.1_29_what-s-the-difference.json": _field(TypeAdapter(dict[str, str]), "prefetch"),
}

# Spec examples that omit a field the spec itself marks REQUIRED: (field path, value to add).
SPEC_ERRATA: dict[str, tuple[tuple[str | int, ...], str]] = {
    "spec-2.0.1_16_system-action.json": (("systemActions", 0, "description"), "Update order"),
    "spec-2.0.1_18_example.json": (("cards", 0, "indicator"), "info"),
}

SKIPPED: dict[str, str] = {
    "hook-order-select_02_example-stu3.json": "STU3 resources; we speak FHIR R4",
    "hook-order-select_03_example-dstu2.json": "DSTU2 resources; we speak FHIR R4",
    "hook-order-sign_02_example-stu3.json": "STU3 resources; we speak FHIR R4",
    "hook-order-sign_03_example-dstu2.json": "DSTU2 resources; we speak FHIR R4",
    "hook-encounter-start_01_examples.json": "encounter-start is a hook we do not serve",
    "spec-2.0.1_04_example-prefetch-token.json": "fragment showing one prefetch token",
    "spec-2.0.1_05_example-prefetch-token.json": "fragment of a medication context (token demo)",
    "spec-2.0.1_06_example-prefetch-token.json": "fragment of a medication context (token demo)",
    "spec-2.0.1_22_example.json": "JWT header: tested by tests/security",
    "spec-2.0.1_23_example.json": "JWT payload: tested by tests/security",
    "spec-2.0.1_24_example.json": "JWK Set: tested by tests/security",
    "spec-2.0.1_25_example.json": "private JWK: tested by tests/security",
    "spec-2.0.1_30_examples.json": "illustrates context field kinds, not a hook context",
}

ALL_FILES = sorted(p.name for p in EXAMPLES.glob("*.json"))


def _load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_every_example_is_classified() -> None:
    assert ALL_FILES, f"no examples found under {EXAMPLES}"
    unclassified = set(ALL_FILES) - set(PARSERS) - set(SPEC_ERRATA) - set(SKIPPED)
    assert not unclassified, f"classify these examples: {sorted(unclassified)}"


@pytest.mark.parametrize("name", ALL_FILES)
def test_example_parses(name: str) -> None:
    if name in SKIPPED:
        pytest.skip(SKIPPED[name])
    data = _load(name)
    if name in SPEC_ERRATA:
        path, value = SPEC_ERRATA[name]
        with pytest.raises(ValidationError) as info:
            CdsResponse.model_validate(data)
        assert [tuple(e["loc"]) for e in info.value.errors()] == [path]
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        CdsResponse.model_validate(data)
        return
    PARSERS[name](data)


def test_extension_example_lacks_patient_id_for_patient_view() -> None:
    """The `extension` example cuts context down to userId: our patient-view model says so."""
    with pytest.raises(ValidationError) as info:
        PatientViewRequest.model_validate(_load("spec-2.0.1_26_extensions.json"))
    assert [e["loc"] for e in info.value.errors()] == [("context", "patientId")]


def test_request_example_keeps_token_secret() -> None:
    request = PatientViewRequest.model_validate(_load("spec-2.0.1_02_example.json"))
    assert request.fhirAuthorization is not None
    assert "some-opaque-fhir-access-token" not in repr(request)
    assert (
        request.fhirAuthorization.access_token.get_secret_value() == "some-opaque-fhir-access-token"
    )
