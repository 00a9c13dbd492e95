"""SSRF guard and URL comparisons: structural matches only, never string prefixes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cds.errors import Forbidden
from cds.security import (
    VerifiedClient,
    check_fhir_server,
    check_next_link,
    same_origin,
    url_within,
)
from cds.settings import Settings

from . import tokens as t

BASE = "https://ehr.example.org/fhir"
VERIFIED = VerifiedClient(
    iss=t.ISS,
    tenant=None,
    client=t.client(fhir_servers=[BASE, "http://10.0.0.5:8080/r4/"]),
    jti="j",
    expires_at=t.NOW + timedelta(minutes=5),
)

# (fhirServer named in the request, allowed?)
FHIR_SERVERS: list[tuple[str, bool]] = [
    (BASE, True),
    (BASE + "/", True),
    ("https://EHR.example.org/fhir", True),
    ("https://ehr.example.org:443/fhir", True),
    ("https://ehr.example.org./fhir", True),
    (BASE + "/tenant-1", True),
    ("http://10.0.0.5:8080/r4", True),
    ("http://ehr.example.org/fhir", False),  # scheme differs
    ("https://ehr.example.org:8443/fhir", False),  # port differs
    ("https://ehr.example.org/fhir-admin", False),  # not a whole path segment
    ("https://ehr.example.org/", False),  # above the base
    ("https://ehr.example.org/fhir/../admin", False),  # dot segments
    ("https://ehr.example.org/fhir/%2e%2e/admin", False),  # encoded dot segments
    ("https://ehr.example.org.evil.test/fhir", False),  # host prefix trick
    ("https://evil.test/fhir", False),
    ("https://user:pw@ehr.example.org/fhir", False),  # credentials
    ("https://evil.test@ehr.example.org/fhir", False),
    ("https://ehr.example.org/fhir#frag", False),
    ("file:///etc/passwd", False),
    ("gopher://ehr.example.org/fhir", False),
    ("http://169.254.169.254/latest/meta-data", False),  # cloud metadata
    ("http://localhost/fhir", False),
    ("https://ehr.example.org\\@evil.test/fhir", False),
    ("https://ehr.example.org/fhir\n", False),
    ("//ehr.example.org/fhir", False),
    ("", False),
    ("https://[::1/fhir", False),
]


@pytest.mark.parametrize(("url", "allowed"), FHIR_SERVERS)
def test_fhir_server_must_be_under_the_clients_bases(url: str, allowed: bool) -> None:
    settings = t.settings()
    if allowed:
        check_fhir_server(url, VERIFIED, settings)
    else:
        with pytest.raises(Forbidden) as caught:
            check_fhir_server(url, VERIFIED, settings)
        assert caught.value.status_code == 403


def test_auth_off_uses_the_allowlist_and_on_without_client_denies_all() -> None:
    off = Settings(auth="off", fhir_allowlist=["http://localhost:8080/fhir"])
    check_fhir_server("http://localhost:8080/fhir", None, off)
    with pytest.raises(Forbidden):
        check_fhir_server(BASE, None, off)
    with pytest.raises(Forbidden):  # auth on: an unauthenticated call may name no server
        check_fhir_server(
            "http://localhost:8080/fhir",
            None,
            Settings(fhir_allowlist=["http://localhost:8080/fhir"]),
        )


def test_authenticated_client_does_not_inherit_the_auth_off_allowlist() -> None:
    settings = Settings(auth="off", fhir_allowlist=["https://other.example.org/fhir"])
    with pytest.raises(Forbidden):
        check_fhir_server("https://other.example.org/fhir", VERIFIED, settings)


@pytest.mark.parametrize(
    ("link", "followed"),
    [
        (BASE + "?_getpages=abc&_page=2", True),
        (BASE + "/Observation?patient=1&_page=2", True),
        ("https://ehr.example.org:443/fhir/Observation?page=2", True),
        ("https://evil.test/fhir/Observation?page=2", False),
        ("http://ehr.example.org/fhir/Observation?page=2", False),
        ("https://ehr.example.org/other/Observation?page=2", False),
        ("https://ehr.example.org/fhir/../admin", False),
    ],
)
def test_next_links_stay_under_the_fhir_server(link: str, followed: bool) -> None:
    if followed:
        check_next_link(link, BASE)
    else:
        with pytest.raises(Forbidden, match="not followed"):
            check_next_link(link, BASE)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://a.test/x", "https://a.test:443/y?z", True),
        ("http://a.test", "http://A.TEST:80/", True),
        ("https://a.test", "http://a.test", False),
        ("https://a.test", "https://a.test:8443", False),
        ("https://a.test", "https://b.a.test", False),
        ("https://a.test", "not a url", False),
    ],
)
def test_same_origin(a: str, b: str, same: bool) -> None:
    assert same_origin(a, b) is same


def test_url_within_requires_whole_segments() -> None:
    assert url_within("https://a.test/r4/Patient/1", "https://a.test/r4/")
    assert not url_within("https://a.test/r4x", "https://a.test/r4")
