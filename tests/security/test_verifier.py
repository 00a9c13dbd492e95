"""JwtVerifier against real signed tokens and the classic attacks (CDS Hooks 2.0 l.944-1110)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from cds.errors import AuthenticationFailed
from cds.security import JwtVerifier, MemoryJtiCache, VerifiedClient
from cds.settings import Settings, TrustedClient

from . import tokens as t
from .tokens import AUD, AUDS, ISS, NOW, bearer, claims, sign


def verifier(settings: Settings | None = None) -> JwtVerifier:
    # No transport: any attempt to fetch a JWKS over the network fails the test loudly.
    http = httpx.AsyncClient(transport=httpx.MockTransport(_no_network))
    return JwtVerifier(settings or t.settings(), http, MemoryJtiCache(t.clock), clock=t.clock)


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected outbound request to {request.url}")


@pytest.mark.parametrize(
    ("key_name", "alg"),
    [("es384", "ES384"), ("rs384", "RS384")],
)
async def test_recommended_algorithms_are_accepted(key_name: str, alg: str) -> None:
    token = sign(claims(jti="j-1", tenant="t-1"), key_name=key_name)
    assert jwt.get_unverified_header(token)["alg"] == alg

    result = await verifier().verify(bearer(token), AUDS)

    assert result == VerifiedClient(
        iss=ISS,
        tenant="t-1",
        client=t.client(),
        jti="j-1",
        expires_at=NOW + timedelta(seconds=300),
    )
    assert token not in repr(result)


@pytest.mark.parametrize("key_name", ["es256", "rs256"])
async def test_es256_rs256_only_when_the_client_opts_in(key_name: str) -> None:
    token = sign(key_name=key_name)
    default = t.client(jwks=t.jwks(key_name))
    opted_in = t.client(jwks=t.jwks(key_name), algorithms=["ES384", "ES256", "RS256"])

    with pytest.raises(AuthenticationFailed, match="not allowed for this issuer"):
        await verifier(t.settings(default)).verify(bearer(token), AUDS)
    assert (await verifier(t.settings(opted_in)).verify(bearer(token), AUDS)).iss == ISS


def _expired() -> str:
    iat = int((NOW - timedelta(minutes=10)).timestamp())
    return sign(claims(iat=iat, exp=iat + 300))


def _future_iat() -> str:
    iat = int((NOW + timedelta(minutes=5)).timestamp())
    return sign(claims(iat=iat, exp=iat + 300))


# (case, Authorization header factory, expected reason in the 401 message)
ATTACKS: list[tuple[str, Callable[[], str | None], str]] = [
    ("missing header", lambda: None, "missing Authorization header"),
    ("empty header", lambda: "", "missing Authorization header"),
    ("basic auth", lambda: "Basic dXNlcjpwYXNz", "not a Bearer token"),
    ("malformed token", lambda: bearer("not.a.jwt"), "malformed token"),
    ("garbage token", lambda: bearer("%%%"), "malformed token"),
    ("too long", lambda: bearer("eyJ" + "a" * 20000), "too long"),
    ("unsigned alg none", lambda: bearer(t.unsigned()), "algorithm none is not allowed"),
    ("HS256 with public key", lambda: bearer(t.hs256_with_public_key()), "HS256 is not allowed"),
    (
        "HS256 with RSA public key",
        lambda: bearer(t.hs256_with_public_key(key_name="rs384")),
        "HS256 is not allowed",
    ),
    ("wrong key", lambda: bearer(sign(key_name="es384b", kid="kid-es384")), "signature"),
    ("unknown kid", lambda: bearer(sign(kid="kid-nobody")), "unknown kid"),
    ("no kid", lambda: bearer(sign(headers={"kid": None})), "no 'kid'"),
    ("typ not JWT", lambda: bearer(sign(headers={"typ": "at+jwt"})), "'typ' must be JWT"),
    ("unknown iss", lambda: bearer(sign(claims(iss="https://evil.test"))), "not a trusted"),
    ("no iss", lambda: bearer(sign(claims(iss=None))), "no 'iss'"),
    (
        "jku not allowlisted",
        lambda: bearer(sign(headers={"jku": "https://evil.test/jwks.json"})),
        "jku is not on the allowlist",
    ),
    ("wrong aud", lambda: bearer(sign(claims(aud="https://cds.example.org/x"))), "audience"),
    (
        "aud with query string",
        lambda: bearer(sign(claims(aud=AUD + "?x=1"))),
        "audience does not match",
    ),
    ("aud array without us", lambda: bearer(sign(claims(aud=["https://a.test"]))), "audience"),
    ("no aud", lambda: bearer(sign(claims(aud=None))), "no 'aud' claim"),
    ("expired", lambda: bearer(_expired()), "token expired"),
    ("no exp", lambda: bearer(sign(claims(exp=None))), "no 'exp' claim"),
    ("iat in the future", lambda: bearer(_future_iat()), "issued in the future"),
    ("no iat", lambda: bearer(sign(claims(iat=None))), "no 'iat' claim"),
    ("no jti", lambda: bearer(sign(claims(jti=None))), "no 'jti' claim"),
    ("exp not a number", lambda: bearer(sign(claims(exp="soon"))), "not a number"),
    (
        "lifetime too long",
        lambda: bearer(sign(claims(exp=int(NOW.timestamp()) + 7200))),
        "lifetime exceeds 3600",
    ),
    (
        "nbf in the future",
        lambda: bearer(sign(claims(nbf=int(NOW.timestamp()) + 600))),
        "not yet valid",
    ),
    (
        "RS384 header on EC key",
        lambda: bearer(sign(key_name="rs384", kid="kid-es384")),
        "not a key for RS384",
    ),
    (
        "downgrade to ES256 under the ES384 kid",
        lambda: bearer(sign(key_name="es256", kid="kid-es384")),
        "ES256 is not allowed for this issuer",
    ),
]


@pytest.mark.parametrize(("case", "header", "reason"), ATTACKS, ids=[a[0] for a in ATTACKS])
async def test_attacks_are_rejected_with_a_reason(
    case: str, header: Callable[[], str | None], reason: str
) -> None:
    authorization = header()
    with pytest.raises(AuthenticationFailed, match=reason) as caught:
        await verifier().verify(authorization, AUDS)

    assert caught.value.status_code == 401
    token = (authorization or "").removeprefix("Bearer ")
    if len(token) > 10:
        assert token not in caught.value.message
        assert all(part not in caught.value.message for part in token.split(".") if len(part) > 8)


async def test_replayed_jti_is_rejected_but_a_fresh_one_is_not() -> None:
    v = verifier()
    token = sign(claims(jti="once"))
    await v.verify(bearer(token), AUDS)

    with pytest.raises(AuthenticationFailed, match="replayed"):
        await v.verify(bearer(token), AUDS)
    with pytest.raises(AuthenticationFailed, match="replayed"):  # re-signed, same jti
        await v.verify(bearer(sign(claims(jti="once"), key_name="rs384")), AUDS)
    assert (await v.verify(bearer(sign(claims(jti="twice"))), AUDS)).jti == "twice"


async def test_replay_cache_remembers_until_exp_plus_leeway() -> None:
    seen: list[tuple[str, str, datetime]] = []

    class Recorder:
        async def remember(self, iss: str, jti: str, expires_at: datetime) -> bool:
            seen.append((iss, jti, expires_at))
            return True

    http = httpx.AsyncClient(transport=httpx.MockTransport(_no_network))
    v = JwtVerifier(t.settings(), http, Recorder(), clock=t.clock)
    await v.verify(bearer(sign(claims(jti="r"))), AUDS)

    assert seen == [(ISS, "r", NOW + timedelta(seconds=300 + 60))]


@pytest.mark.parametrize(
    ("skew", "accepted"),
    [(-59, True), (59, True), (61, False)],
)
async def test_iat_skew_within_leeway(skew: int, accepted: bool) -> None:
    iat = int(NOW.timestamp()) + skew
    token = sign(claims(iat=iat, exp=iat + 300))
    if accepted:
        await verifier().verify(bearer(token), AUDS)
    else:
        with pytest.raises(AuthenticationFailed, match="future"):
            await verifier().verify(bearer(token), AUDS)


async def test_exp_just_within_leeway_is_accepted() -> None:
    exp = int(NOW.timestamp()) - 30
    await verifier().verify(bearer(sign(claims(iat=exp - 300, exp=exp))), AUDS)


async def test_aud_array_containing_our_url_is_accepted() -> None:
    token = sign(claims(aud=["https://other.test/x", AUD]))
    assert (await verifier().verify(bearer(token), AUDS)).iss == ISS


async def test_key_of_another_curve_under_the_kid_is_refused() -> None:
    # The client allows ES256, but the kid names its P-384 key: never verify across curves.
    v = verifier(t.settings(t.client(algorithms=["ES384", "ES256"])))
    with pytest.raises(AuthenticationFailed, match="not a key for ES256"):
        await v.verify(bearer(sign(key_name="es256", kid="kid-es384")), AUDS)


async def test_short_rsa_key_is_refused() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    jwk = {**RSAAlgorithm.to_jwk(weak.public_key(), as_dict=True), "kid": "weak", "alg": "RS384"}
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):  # PyJWT warns when signing, too
        token = jwt.encode(claims(), weak, algorithm="RS384", headers={"kid": "weak", "typ": "JWT"})
    v = verifier(t.settings(t.client(jwks={"keys": [jwk]})))
    with pytest.raises(AuthenticationFailed, match="unusable"):
        await v.verify(bearer(token), AUDS)


@pytest.mark.parametrize(
    ("configured", "sent", "reason"),
    [("t-1", "t-1", None), ("t-1", "t-2", "tenant"), ("t-1", None, "tenant"), (None, "x", None)],
)
async def test_tenant_checked_when_configured(
    configured: str | None, sent: str | None, reason: str | None
) -> None:
    v = verifier(t.settings(t.client(tenant=configured)))
    token = bearer(sign(claims(tenant=sent)))
    if reason is None:
        assert (await v.verify(token, AUDS)).tenant == sent
    else:
        with pytest.raises(AuthenticationFailed, match=reason):
            await v.verify(token, AUDS)


async def test_same_issuer_two_tenants_pick_their_own_keys() -> None:
    a = t.client(tenant="a", jwks=t.jwks("es384"))
    b = t.client(tenant="b", jwks=t.jwks("rs384"), fhir_servers=["https://b.example.org/fhir"])
    v = verifier(t.settings(a, b))

    got = await v.verify(bearer(sign(claims(tenant="b"), key_name="rs384")), AUDS)
    assert got.client.fhir_servers == ["https://b.example.org/fhir"]
    with pytest.raises(AuthenticationFailed, match="unknown kid"):
        await v.verify(bearer(sign(claims(tenant="a"), key_name="rs384")), AUDS)


@pytest.mark.parametrize(
    ("client", "message"),
    [
        ({"algorithms": ["HS256"]}, "not allowed"),
        ({"algorithms": ["none"]}, "not allowed"),
        ({"jwks": None}, "no jwks"),
        ({"jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "x"}]}}, "private key"),
    ],
)
def test_unsafe_client_configuration_is_refused_at_start_up(
    client: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        verifier(t.settings(t.client(**client)))


def test_public_sandbox_jwks_loads_as_inline_trusted_client() -> None:
    sandbox = json.loads((t.SPEC / "cds-hooks-sandbox" / "jwks.json").read_text())
    settings = Settings.model_validate(
        {"trusted_clients": [{"iss": "https://sandbox.cds-hooks.org", "jwks": sandbox}]}
    )
    verifier(settings)  # validates the configuration
    key = jwt.PyJWK(sandbox["keys"][0])
    assert key.algorithm_name == "ES384"
    assert key.key_id == "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"


async def test_spec_example_private_key_signs_a_token_we_accept() -> None:
    examples = t.SPEC / "extracted-examples"
    header = json.loads((examples / "spec-2.0.1_22_example.json").read_text())
    payload = json.loads((examples / "spec-2.0.1_23_example.json").read_text())
    public_jwks = json.loads((examples / "spec-2.0.1_24_example.json").read_text())
    private_jwk = json.loads((examples / "spec-2.0.1_25_example.json").read_text())
    assert private_jwk["kid"] == public_jwks["keys"][0]["kid"] == header["kid"]

    iat = int(NOW.timestamp())
    payload.update(iat=iat, exp=iat + 300)  # the spec's example token expired in 2015
    token = jwt.encode(
        payload,
        jwt.PyJWK(private_jwk).key,
        algorithm=header["alg"],
        headers={"kid": header["kid"], "typ": "JWT"},
    )
    trusted = TrustedClient(
        iss=payload["iss"], jwks=public_jwks, tenant=payload["tenant"], fhir_servers=[]
    )
    result = await verifier(t.settings(trusted)).verify(bearer(token), frozenset({payload["aud"]}))

    assert (result.iss, result.tenant, result.jti) == (
        "https://fhir-ehr.example.com/",
        "2ddd6c3a-8e9a-44c6-a305-52111ad302a2",
        "ee22b021-e1b7-4611-ba5b-8eec6a33ac1e",
    )


def test_trusted_clients_parse_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    value = [{"iss": ISS, "jwks_url": t.JWKS_URL, "jku": [t.JWKS_URL], "fhir_servers": [t.FHIR]}]
    monkeypatch.setenv("CDS_AUTH", "on")
    monkeypatch.setenv("CDS_TRUSTED_CLIENTS", json.dumps(value))
    monkeypatch.setenv("CDS_FHIR_ALLOWLIST", '["http://localhost:8080/fhir"]')
    monkeypatch.setenv("CDS_PUBLIC_URL", "https://cds.example.org")

    s = Settings()

    assert s.trusted_clients[0].jku == [t.JWKS_URL]
    assert s.trusted_clients[0].algorithms == ["ES384", "RS384"]
    assert s.fhir_allowlist == ["http://localhost:8080/fhir"]
    assert s.public_url == "https://cds.example.org"
