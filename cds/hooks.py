"""CDS Hooks 2.0.1 request-side models: requests, hook contexts, fhirAuthorization, feedback,
discovery.

No published Python package models CDS Hooks, so these are our own, small and faithful: field
names are exactly the spec's JSON names (index.md at tag v2.0.1 of HL7/cds-hooks; hook contexts
from cds-hooks-library v1.0.1; examples copied in ``tests/data/cds-hooks``). The response side
(cards) lives in ``cards.models``.

Why validate this strictly:
- ``patientId`` / ``encounterId`` are substituted into FHIR query templates, so they must be FHIR
  ids (``[A-Za-z0-9\\-.]{1,64}``): anything else could change the query sent to the EHR.
- The access token is a ``SecretStr`` so it never appears in a repr, a log line or an error.
- Unknown members (``extension`` and anything a newer client adds) are accepted and ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)

HookName = Literal["patient-view", "order-select", "order-sign"]
HOOKS: tuple[HookName, ...] = ("patient-view", "order-select", "order-sign")

# FHIR R4 id datatype (http://hl7.org/fhir/R4/datatypes.html#id).
FhirId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9\-.]{1,64}$")]
# A relative reference "Type/id" (context.userId, context.selections).
_TYPE_ID = r"[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}"
RelativeReference = Annotated[str, StringConstraints(pattern=rf"^{_TYPE_ID}$")]
UserReference = Annotated[
    str,
    StringConstraints(
        pattern=r"^(Practitioner|PractitionerRole|Patient|RelatedPerson)/[A-Za-z0-9\-.]{1,64}$"
    ),
]
HttpUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/?#]+[^\s]*$", max_length=2000)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class FhirAuthorization(_Model):
    """OAuth 2.0 access to the EHR's FHIR server, for this request only (l.492-522)."""

    access_token: SecretStr
    token_type: Literal["Bearer"]
    expires_in: int = Field(ge=0)
    scope: str
    subject: str
    patient: FhirId | None = None

    @field_validator("token_type", mode="before")
    @classmethod
    def _bearer_any_case(cls, value: object) -> object:
        # RFC 6750 token types are case-insensitive; the spec fixes "Bearer".
        if isinstance(value, str) and value.lower() == "bearer":
            return "Bearer"
        return value


class BundleJson(_Model):
    """A FHIR Bundle kept as JSON (draftOrders); entries are checked by the mapping layer."""

    model_config = ConfigDict(extra="allow")

    resourceType: Literal["Bundle"]
    entry: list[dict[str, Any]] = Field(default_factory=list)


class PatientViewContext(_Model):
    """patient-view 1.0 (maturity 5)."""

    userId: UserReference
    patientId: FhirId
    encounterId: FhirId | None = None


class OrderSignContext(_Model):
    """order-sign 1.0 (maturity 5): draftOrders may include re-signed non-draft orders."""

    userId: UserReference
    patientId: FhirId
    encounterId: FhirId | None = None
    draftOrders: BundleJson


class OrderSelectContext(OrderSignContext):
    """order-select 1.0: ``selections`` are ``Type/id`` references into draftOrders."""

    selections: list[RelativeReference]


HookContext = PatientViewContext | OrderSelectContext | OrderSignContext


class CdsRequest(_Model):
    """A service call body (l.164-226), for any hook; ``context`` stays a plain object.

    Used for hooks we do not serve and for the spec's examples; the service endpoints use the
    hook-specific subclasses below, so OpenAPI shows the real context of each service.
    """

    hook: str = Field(min_length=1)
    hookInstance: UUID
    fhirServer: HttpUrl | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    # Values are FHIR resources or null (l.228-480); anything else is tolerated here and treated
    # as unusable (fetched instead) by cds.prefetch, e.g. the spec's own `"user": "123"`.
    prefetch: dict[str, Any] | None = None
    extension: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _server_with_authorization(self) -> CdsRequest:
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("fhirServer is required when fhirAuthorization is present")
        return self


class PatientViewRequest(CdsRequest):
    hook: Literal["patient-view"]
    context: PatientViewContext  # type: ignore[assignment]


class OrderSelectRequest(CdsRequest):
    hook: Literal["order-select"]
    context: OrderSelectContext  # type: ignore[assignment]


class OrderSignRequest(CdsRequest):
    hook: Literal["order-sign"]
    context: OrderSignContext  # type: ignore[assignment]


HookRequest = PatientViewRequest | OrderSelectRequest | OrderSignRequest

REQUEST_MODELS: dict[HookName, type[HookRequest]] = {
    "patient-view": PatientViewRequest,
    "order-select": OrderSelectRequest,
    "order-sign": OrderSignRequest,
}


# --- feedback (l.818-942) ----------------------------------------------------------------
# Feedback is stored, so every value must fit the database on SQLite and PostgreSQL alike:
# lengths are the columns' (``cds.storage.tables.feedback``), text holds no NUL (PostgreSQL text
# cannot), and the timestamp must exist in UTC. What does not fit is a 422 naming the item, the
# same on both databases, rather than a failed insert that a retrying EHR would repeat forever.


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


def _exists_in_utc(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the years 1 to 9999 once converted to UTC") from None
    return value


_NO_NUL = AfterValidator(_no_nul)
StoredId = Annotated[str, StringConstraints(min_length=1, max_length=100), _NO_NUL]
StoredCode = Annotated[str, StringConstraints(max_length=100), _NO_NUL]
StoredSystem = Annotated[str, StringConstraints(max_length=300), _NO_NUL]
StoredText = Annotated[str, StringConstraints(max_length=10_000), _NO_NUL]


class FeedbackCoding(_Model):
    """An override reason as reported back (a CDS Hooks Coding, l.1162-1171), fit to store."""

    code: StoredCode
    system: StoredSystem
    display: StoredText | None = None


class AcceptedSuggestion(_Model):
    id: StoredId


class OverrideReasonFeedback(_Model):
    reason: FeedbackCoding | None = None
    userComment: StoredText | None = None


class FeedbackItem(_Model):
    card: StoredId
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = None
    overrideReason: OverrideReasonFeedback | None = None
    outcomeTimestamp: Annotated[AwareDatetime, AfterValidator(_exists_in_utc)]

    @model_validator(mode="after")
    def _suggestions_when_accepted(self) -> FeedbackItem:
        if self.outcome == "accepted" and not self.acceptedSuggestions:
            raise ValueError("acceptedSuggestions is required when outcome is 'accepted'")
        return self


class FeedbackRequest(_Model):
    feedback: list[FeedbackItem] = Field(min_length=1, max_length=1000)


class FeedbackReceipt(_Model):
    """Our answer to a feedback POST (the spec defines none): how many items were new."""

    received: int
    stored: int
    duplicates: int


class ReasonCount(_Model):
    system: str | None = None
    code: str | None = None
    display: str | None = None
    count: int


class TopicSummary(_Model):
    topic: str
    accepted: int = 0
    overridden: int = 0
    reasons: list[ReasonCount] = Field(default_factory=list)


class FeedbackSummary(_Model):
    service_id: str | None = None
    topics: list[TopicSummary] = Field(default_factory=list)


# --- discovery (l.74-162) ----------------------------------------------------------------


class CdsServiceDescriptor(_Model):
    hook: str
    title: str | None = None
    description: str
    id: str
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None
    extension: dict[str, Any] | None = None


class DiscoveryResponse(_Model):
    services: list[CdsServiceDescriptor] = Field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


# --- errors as documented in OpenAPI ------------------------------------------------------


class OutcomeIssue(_Model):
    severity: str
    code: str
    diagnostics: str
    expression: list[str] | None = None


class OperationOutcomeModel(_Model):
    """The body of every 4xx/5xx answer (a FHIR OperationOutcome)."""

    resourceType: Literal["OperationOutcome"]
    issue: list[OutcomeIssue]
