"""URL comparisons that decide where we may send requests and which ``aud`` we expect.

Comparisons are structural (scheme, host, port, path segments), never string prefixes: a
string prefix would let ``https://ehr.example.org.evil.test`` pass as ``https://ehr.example.org``
and ``/fhir-admin`` pass as ``/fhir``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from cds.settings import Settings

DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeUrl(ValueError):
    """A URL we refuse to contact or compare (message names the reason, not secrets)."""


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int


def parse_origin(url: str) -> tuple[Origin, str]:
    """``(origin, path)`` of an absolute http(s) URL; raises ``UnsafeUrl`` otherwise.

    URLs carrying credentials (``user@host``), a fragment, control characters or dot segments
    are refused: none is needed for a FHIR base URL and each is a classic way to confuse parsers.
    """
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in url):
        raise UnsafeUrl("URL contains whitespace, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("URL cannot be parsed") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsafeUrl("URL scheme must be http or https")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("URL must not carry credentials")
    if parts.fragment:
        raise UnsafeUrl("URL must not carry a fragment")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeUrl("URL has no host")
    segments = unquote(parts.path).split("/")
    if any(seg in (".", "..") for seg in segments):
        raise UnsafeUrl("URL path must not contain dot segments")
    return Origin(scheme, host, port or DEFAULT_PORTS[scheme]), parts.path


def same_origin(a: str, b: str) -> bool:
    """Same scheme, host and (default-normalised) port; False for anything unparseable."""
    try:
        return parse_origin(a)[0] == parse_origin(b)[0]
    except UnsafeUrl:
        return False


def url_within(url: str, base: str) -> bool:
    """``url`` is ``base`` itself or below it (same origin, base path a whole-segment prefix)."""
    try:
        origin, path = parse_origin(url)
        base_origin, base_path = parse_origin(base)
    except UnsafeUrl:
        return False
    if origin != base_origin:
        return False
    prefix = base_path.rstrip("/")
    return path.rstrip("/") == prefix or path.startswith(prefix + "/")


def audience_for(request_url: str, settings: Settings) -> str:
    """The exact URL the client must name in ``aud`` (spec: "the URL of the endpoint called").

    Behind a proxy the app sees an internal URL, so ``CDS_PUBLIC_URL`` (the externally visible
    base, including any path prefix the proxy strips) replaces scheme, host and port. The query
    string is never part of the endpoint URL.
    """
    parts = urlsplit(request_url)
    if settings.public_url:
        return settings.public_url.rstrip("/") + "/" + parts.path.lstrip("/")
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
