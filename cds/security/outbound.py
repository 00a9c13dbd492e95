"""Server-side request forgery guard: which FHIR servers we may contact on a caller's behalf.

A CDS request names ``fhirServer`` and hands us a bearer token for it; without a check anyone
able to call us could make us send requests (with whatever token they like) to an internal host.
So a ``fhirServer`` must sit under a base URL configured for the authenticated client
(``TrustedClient.fhir_servers``) or, only when auth is off, under ``CDS_FHIR_ALLOWLIST``.
Pagination ``next`` links must stay under the same base (``check_next_link``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cds.errors import Forbidden
from cds.security.urls import UnsafeUrl, parse_origin, url_within
from cds.settings import Settings

if TYPE_CHECKING:
    from cds.security.verifier import VerifiedClient


def allowed_fhir_bases(client: VerifiedClient | None, settings: Settings) -> list[str]:
    """Base URLs this caller may name; empty (deny all) for an unauthenticated call with auth on."""
    if client is not None:
        return list(client.client.fhir_servers)
    if settings.auth == "off":
        return list(settings.fhir_allowlist)
    return []


def check_fhir_server(url: str, client: VerifiedClient | None, settings: Settings) -> None:
    """Raise ``Forbidden`` unless ``url`` is under an allowed base (scheme+host+port+path)."""
    try:
        parse_origin(url)
    except UnsafeUrl as exc:
        raise Forbidden(f"fhirServer is not acceptable: {exc}") from exc
    if not any(url_within(url, base) for base in allowed_fhir_bases(client, settings)):
        raise Forbidden("fhirServer is not on the allowlist for this client")


def check_next_link(next_url: str, fhir_server: str) -> None:
    """Raise ``Forbidden`` unless a searchset ``next`` link stays under the request's fhirServer.

    The FHIR client should treat this as "stop paging" (``FhirFetchError``), not fail the call.
    """
    if not url_within(next_url, fhir_server):
        raise Forbidden("a search 'next' link leaves the FHIR server; not followed")
