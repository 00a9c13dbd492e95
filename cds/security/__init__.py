"""Security layer: who may call us (JWT), whom we may call (SSRF guard), what leaves.

Wiring, all in ``create_app``: build one ``JwtVerifier`` (with ``SqlJtiCache`` on the shared
engine) when ``CDS_AUTH=on``; ``add_security_middleware`` installs ``AuthenticationMiddleware``,
the one place a caller is verified (before the body is read); routes take the result through
the ``cds.state.authenticated`` dependency. Call ``check_fhir_server`` before any outbound
FHIR request and ``check_next_link`` before following a page; ``warn_if_auth_off`` at start-up;
``install_log_redaction`` once.
"""

from cds.security.jti import JtiCache, MemoryJtiCache, SqlJtiCache
from cds.security.jwks import JwksCache
from cds.security.outbound import allowed_fhir_bases, check_fhir_server, check_next_link
from cds.security.redaction import RedactingFilter, install_log_redaction, redact
from cds.security.urls import UnsafeUrl, audience_bases, audiences_for, same_origin, url_within
from cds.security.verifier import (
    ASYMMETRIC_ALGORITHMS,
    JwtVerifier,
    VerifiedClient,
    validate_trusted_clients,
)
from cds.security.web import (
    CALLER_KEY,
    AuthenticationMiddleware,
    SecurityHeadersMiddleware,
    add_security_middleware,
    warn_if_auth_off,
)

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "CALLER_KEY",
    "AuthenticationMiddleware",
    "JtiCache",
    "JwksCache",
    "JwtVerifier",
    "MemoryJtiCache",
    "RedactingFilter",
    "SecurityHeadersMiddleware",
    "SqlJtiCache",
    "UnsafeUrl",
    "VerifiedClient",
    "add_security_middleware",
    "allowed_fhir_bases",
    "audience_bases",
    "audiences_for",
    "check_fhir_server",
    "check_next_link",
    "install_log_redaction",
    "redact",
    "same_origin",
    "url_within",
    "validate_trusted_clients",
    "warn_if_auth_off",
]
