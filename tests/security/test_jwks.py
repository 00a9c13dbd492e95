"""Remote JWKS: fetched only from configured URLs, cached, refreshed on rotation, bounded."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from cds.errors import AuthenticationFailed, ServiceUnavailable
from cds.security import JwtVerifier, MemoryJtiCache
from cds.security.jwks import MAX_CACHE_SECONDS, MIN_CACHE_SECONDS, cache_seconds

from . import tokens as t
from .tokens import AUDS, JWKS_URL, NOW, bearer, claims, sign

JKU = "https://ehr.example.org/keys/current.json"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


def make(clock: Clock, **client: Any) -> JwtVerifier:
    config: dict[str, Any] = {"jwks": None, "jwks_url": JWKS_URL}
    config.update(client)
    return JwtVerifier(
        t.settings(t.client(**config)),
        httpx.AsyncClient(),
        MemoryJtiCache(clock),
        clock=clock,
    )


def token(clock: Clock, key_name: str = "es384", **headers: Any) -> str:
    iat = int(clock.now.timestamp())
    return bearer(sign(claims(iat=iat, exp=iat + 300), key_name=key_name, headers=headers))


@respx.mock(assert_all_called=True, assert_all_mocked=True)
async def test_jwks_is_fetched_once_and_cached(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(JWKS_URL).respond(json=t.jwks("es384", "rs384"))
    clock = Clock()
    v = make(clock)

    await v.verify(token(clock), AUDS)
    await v.verify(token(clock, "rs384"), AUDS)
    clock.advance(299)
    await v.verify(token(clock), AUDS)
    assert route.call_count == 1

    clock.advance(1)  # default CDS_JWKS_CACHE_SECONDS = 300
    await v.verify(token(clock), AUDS)
    assert route.call_count == 2


@respx.mock(assert_all_called=True, assert_all_mocked=True)
async def test_cache_control_max_age_is_respected(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(JWKS_URL).respond(
        json=t.jwks("es384"), headers={"Cache-Control": "public, max-age=3600"}
    )
    clock = Clock()
    v = make(clock)
    await v.verify(token(clock), AUDS)
    clock.advance(3599)
    await v.verify(token(clock), AUDS)
    assert route.call_count == 1
    clock.advance(1)
    await v.verify(token(clock), AUDS)
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, 300),
        ("max-age=600", 600),
        ('public, max-age="120", must-revalidate', 120),
        ("max-age=0", MIN_CACHE_SECONDS),
        ("no-store", MIN_CACHE_SECONDS),
        ("no-cache, max-age=900", MIN_CACHE_SECONDS),
        ("max-age=99999999", MAX_CACHE_SECONDS),
        ("s-maxage=900", 300),
    ],
)
def test_cache_lifetime_is_clamped(header: str | None, seconds: int) -> None:
    assert cache_seconds(header, 300) == seconds


@respx.mock(assert_all_called=True, assert_all_mocked=True)
async def test_unknown_kid_refreshes_once_then_is_rate_limited(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.get(JWKS_URL)
    route.side_effect = [
        httpx.Response(200, json=t.jwks("es384")),
        httpx.Response(200, json=t.jwks("es384", "rs384")),  # the EHR rotated in a new key
        httpx.Response(200, json=t.jwks("es384", "rs384")),
    ]
    clock = Clock()
    v = make(clock)
    await v.verify(token(clock), AUDS)

    with pytest.raises(AuthenticationFailed, match="unknown kid"):
        await v.verify(token(clock, kid="kid-nobody"), AUDS)
    with pytest.raises(AuthenticationFailed, match="unknown kid"):
        await v.verify(token(clock, "rs384"), AUDS)  # rotated key, but no refetch yet
    assert route.call_count == 1  # cached set was less than 30 s old: no refetch at all

    clock.advance(30)
    assert (await v.verify(token(clock, "rs384"), AUDS)).iss == t.ISS
    assert route.call_count == 2
    for _ in range(5):  # a stream of forged kids does not become a flood against the EHR
        with pytest.raises(AuthenticationFailed, match="unknown kid"):
            await v.verify(token(clock, kid="kid-forged"), AUDS)
    assert route.call_count == 2


@respx.mock(assert_all_called=True, assert_all_mocked=True)
async def test_allowlisted_jku_is_where_keys_come_from(respx_mock: respx.MockRouter) -> None:
    jku_route = respx_mock.get(JKU).respond(json=t.jwks("rs384"))
    clock = Clock()
    v = make(clock, jwks_url=None, jku=[JKU])

    assert (await v.verify(token(clock, "rs384", jku=JKU), AUDS)).iss == t.ISS
    assert jku_route.call_count == 1


@respx.mock(assert_all_called=True, assert_all_mocked=True)
async def test_jku_equal_to_the_configured_jwks_url_is_accepted(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.get(JWKS_URL).respond(json=t.jwks("es384"))
    clock = Clock()
    assert (await make(clock).verify(token(clock, jku=JWKS_URL), AUDS)).iss == t.ISS
    assert route.call_count == 1


@respx.mock(assert_all_called=False, assert_all_mocked=True)
async def test_unlisted_jku_is_never_fetched(respx_mock: respx.MockRouter) -> None:
    evil = respx_mock.get(url__startswith="https://evil.test/")
    listed = respx_mock.get(JWKS_URL).respond(json=t.jwks("es384"))
    clock = Clock()
    v = make(clock, jku=[JKU])

    for jku in ["https://evil.test/jwks.json", JKU + "?x", JKU.upper(), JWKS_URL + "/"]:
        with pytest.raises(AuthenticationFailed, match="jku is not on the allowlist"):
            await v.verify(token(clock, jku=jku), AUDS)
    assert not evil.called
    assert not listed.called


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx.Response(302, headers={"Location": "https://evil.test/jwks"}), "redirect"),
        (httpx.Response(404), "HTTP 404"),
        (httpx.Response(200, text="<html>"), "not JSON"),
        (httpx.Response(200, json=["not", "a", "set"]), "not a JWK Set"),
        (httpx.Response(200, json={"nokeys": []}), "no 'keys'"),
        (httpx.Response(200, content=b"{" + b" " * 300_000 + b"}"), "too large"),
    ],
)
async def test_bad_jwks_responses_fail_closed(response: httpx.Response, reason: str) -> None:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        jwks_route = mock.get(JWKS_URL).mock(return_value=response)
        evil = mock.get(url__startswith="https://evil.test/")
        clock = Clock()
        with pytest.raises(AuthenticationFailed, match=reason):
            await make(clock).verify(token(clock), AUDS)
        assert jwks_route.call_count == 1
        assert not evil.called  # the redirect target is never contacted


@pytest.mark.parametrize(
    ("outage", "reason"),
    [
        (httpx.ConnectTimeout("slow"), "could not fetch the issuer's JWKS"),
        (httpx.ConnectError("refused"), "could not fetch the issuer's JWKS"),
        (httpx.Response(500), "HTTP 500"),
        (httpx.Response(503), "HTTP 503"),
        (httpx.Response(429), "HTTP 429"),
    ],
)
async def test_an_unreachable_jwks_is_a_503_not_a_401_nor_a_hang(
    outage: httpx.Response | Exception, reason: str
) -> None:
    """No cached key set and the issuer's endpoint down: the token may be valid, so 503."""
    with respx.mock(assert_all_called=True, assert_all_mocked=True) as mock:
        route = mock.get(JWKS_URL)
        if isinstance(outage, Exception):
            route.mock(side_effect=outage)
        else:
            route.mock(return_value=outage)
        clock = Clock()
        with pytest.raises(ServiceUnavailable, match=reason) as raised:
            await make(clock).verify(token(clock), AUDS)
        assert raised.value.status_code == 503


@respx.mock(assert_all_called=True, assert_all_mocked=True)
async def test_outage_keeps_the_last_good_key_set(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(JWKS_URL)
    route.side_effect = [httpx.Response(200, json=t.jwks("es384")), httpx.Response(503)]
    clock = Clock()
    v = make(clock)
    await v.verify(token(clock), AUDS)
    clock.advance(301)

    assert (await v.verify(token(clock), AUDS)).iss == t.ISS
    assert route.call_count == 2


@respx.mock(assert_all_called=True, assert_all_mocked=True)
async def test_private_and_encryption_keys_in_a_jwks_are_ignored(
    respx_mock: respx.MockRouter,
) -> None:
    es = t.key("es384")
    leaked = {**es.public_jwk, "d": "AAAA"}
    enc = {**t.key("rs384").public_jwk, "use": "enc"}
    respx_mock.get(JWKS_URL).respond(json={"keys": [leaked, enc]})
    clock = Clock()
    v = make(clock)
    with pytest.raises(AuthenticationFailed, match="unknown kid"):
        await v.verify(token(clock), AUDS)
    with pytest.raises(AuthenticationFailed, match="unknown kid"):
        await v.verify(token(clock, "rs384"), AUDS)
