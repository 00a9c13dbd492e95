"""One error tree, one mapping to HTTP, one renderer (a FHIR OperationOutcome).

    CdsError                        500  (never raised on purpose; the catch-all)
    ├── BadRequest                  400  malformed JSON, unusable body
    │   └── RequestValidationFailed 422  body is JSON but not a valid CDS Hooks request
    ├── AuthenticationFailed        401  missing / invalid / replayed JWT (never echoes the token)
    ├── Forbidden                   403  authenticated, but not allowed (fhirServer not allowed)
    ├── NotFound                    404  unknown service id
    ├── PayloadTooLarge             413  body over CDS_MAX_BODY_BYTES
    ├── RequestTimeout              408  body not received within CDS_BODY_TIMEOUT_SECONDS
    ├── PreconditionFailed          412  required data neither prefetched nor retrievable
    ├── LimitExceeded               422  too many prefetch entries and similar input limits
    └── ServiceUnavailable          503  the app is not started (lifespan not run) or stopping

Routes raise these; a single exception handler renders them. ``FhirFetchError`` is raised by the
FHIR client (httpx errors never escape it) and turned into ``PreconditionFailed`` by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class Issue:
    """One OperationOutcome.issue: severity, FHIR issue-type code and a human message."""

    diagnostics: str
    code: str = "invalid"  # http://hl7.org/fhir/issue-type
    severity: str = "error"
    expression: list[str] = field(default_factory=list)

    def to_fhir(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            out["expression"] = self.expression
        return out


class CdsError(Exception):
    status_code: ClassVar[int] = 500
    issue_code: ClassVar[str] = "exception"

    def __init__(self, message: str, *, issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.issues = issues or [Issue(diagnostics=message, code=self.issue_code)]

    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(CdsError):
    status_code = 400
    issue_code = "structure"


class RequestValidationFailed(BadRequest):
    status_code = 422
    issue_code = "invalid"


class AuthenticationFailed(CdsError):
    status_code = 401
    issue_code = "login"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class Forbidden(CdsError):
    status_code = 403
    issue_code = "forbidden"


class NotFound(CdsError):
    status_code = 404
    issue_code = "not-found"


class PayloadTooLarge(CdsError):
    status_code = 413
    issue_code = "too-costly"


class RequestTimeout(CdsError):
    status_code = 408
    issue_code = "timeout"

    def headers(self) -> dict[str, str]:
        return {"Connection": "close"}


class PreconditionFailed(CdsError):
    status_code = 412
    issue_code = "incomplete"


class LimitExceeded(CdsError):
    status_code = 422
    issue_code = "too-costly"


class ServiceUnavailable(CdsError):
    status_code = 503
    issue_code = "transient"


class FhirFetchError(Exception):
    """A fallback FHIR query failed (no server, 401/403/404/5xx, timeout, bad body, limit)."""

    def __init__(self, query: str, reason: str) -> None:
        super().__init__(f"{query}: {reason}")
        self.query = query  # the query *path* (no token; patient id is in the template only)
        self.reason = reason


def status_for(exc: BaseException) -> int:
    """The single error -> HTTP status mapping."""
    if isinstance(exc, CdsError):
        return exc.status_code
    return 500


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.to_fhir() for i in issues]}
