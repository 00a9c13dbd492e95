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


def audience_bases(settings: Settings) -> tuple[str, ...]:
    """Base URLs a token's ``aud`` may start with: ``CDS_PUBLIC_URL``, ``CDS_ACCEPTED_BASE_URLS``.

    Configuration only. The request's own idea of its URL comes from the caller (``Host``,
    ``X-Forwarded-*``), so a token minted for another service would match whatever host its
    sender claimed. With auth on and no base URL configured the service cannot check ``aud`` at
    all: ``ValueError`` with a message that names the setting, raised at start-up.
    """
    bases = [url for url in (settings.public_url, *settings.accepted_base_urls) if url]
    if settings.auth == "on" and not bases:
        raise ValueError(
            "CDS_AUTH=on needs CDS_PUBLIC_URL: the base URL EHRs call this service at (for "
            "example https://cds.example.org, with any path prefix a proxy strips). It is the "
            "expected start of the JWT 'aud' claim, which is never taken from request headers. "
            "A service reachable under several names lists the others in CDS_ACCEPTED_BASE_URLS."
        )
    out: list[str] = []
    for url in bases:
        try:
            parse_origin(url)
        except UnsafeUrl as exc:
            raise ValueError(
                f"CDS_PUBLIC_URL / CDS_ACCEPTED_BASE_URLS entry {url!r}: {exc}"
            ) from exc
        if urlsplit(url).query:
            raise ValueError(f"CDS_PUBLIC_URL / CDS_ACCEPTED_BASE_URLS entry {url!r} has a query")
        out.append(url.rstrip("/"))
    return tuple(out)


def audiences_for(path: str, bases: tuple[str, ...]) -> frozenset[str]:
    """The exact URLs a client may name in ``aud`` (spec: "the URL of the endpoint called").

    A configured base (which includes any path prefix the proxy strips) plus the path the
    request arrived at; the query string is never part of the endpoint URL.
    """
    return frozenset(base + "/" + path.lstrip("/") for base in bases)
