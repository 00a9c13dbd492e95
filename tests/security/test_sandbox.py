"""The public CDS Hooks Sandbox as a trusted client: pinned keys, a listed ``jku``, no fetch.

The Sandbox signs every call (discovery included) with ES384, ``kid``
``44823f3d-0b01-4a6c-a80e-b9d3e8a7226f`` and ``jku`` ``https://sandbox.cds-hooks.org/.well-known/
jwks.json``; ``iss`` is ``https://sandbox.cds-hooks.org``, ``aud`` the URL it calls, ``exp`` =
``iat`` + 300 and ``jti`` a UUID (cds-hooks/sandbox ``src/retrieve-data-helpers/jwt-generator.js``).
Its private key is not ours, so the end-to-end tests sign the same shape with our own P-384 key,
pinned in exactly the configuration the README gives; the Sandbox's real JWKS (copied in
tests/data) is shown separately to parse as a pinned key set. Every test runs with respx
refusing any request it was not told about, so "no fetch" is checked, not assumed.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import respx

from cds.security import JwtVerifier, MemoryJtiCache, validate_trusted_clients
from cds.security.jwks import public_keys_by_kid
from cds.settings import Settings, TrustedClient
from tests.conftest import REPO_ROOT, TEST_DATA, make_settings, running_app
from tests.service.builders import PV, full_prefetch, request

from .test_http_auth import assert_401
from .tokens import NOW, PUBLIC_URL, bearer, key

SANDBOX = "https://sandbox.cds-hooks.org"
SANDBOX_JKU = SANDBOX + "/.well-known/jwks.json"
SANDBOX_KID = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"
SANDBOX_JWKS = json.loads((TEST_DATA / "cds-hooks/cds-hooks-sandbox/jwks.json").read_text())
DISCOVERY = "/cds-services"


def readme_sandbox_client() -> dict[str, Any]:
    """The trusted-client entry the README gives for the Sandbox (its JSON, parsed)."""
    text = (REPO_ROOT / "README.md").read_text()
    block = re.search(r"CDS_TRUSTED_CLIENTS='(\[.*?\])'", text, re.DOTALL)
    assert block, "README shows CDS_TRUSTED_CLIENTS for the Sandbox"
    [entry] = json.loads(block.group(1))
    assert isinstance(entry, dict)
    return entry


def our_pinned_jwks() -> dict[str, Any]:
    """Our P-384 public key under the Sandbox's kid: pinned the way the README pins the Sandbox."""
    return {"keys": [{**key("es384").public_jwk, "kid": SANDBOX_KID}]}


def sandbox_token(aud: str, **changes: Any) -> str:
    """A token shaped exactly like the Sandbox's, signed with our own P-384 key."""
    iat = int(NOW.timestamp())
    payload = {"iss": SANDBOX, "aud": aud, "exp": iat + 300, "iat": iat, "jti": str(uuid.uuid4())}
    header = {"alg": "ES384", "typ": "JWT", "kid": SANDBOX_KID, "jku": SANDBOX_JKU}
    header.update(changes.pop("header", {}))
    signer = key(changes.pop("key", "es384"))
    payload.update(changes)
    return jwt.encode(payload, signer.private, "ES384", header)


def sandbox_settings(tmp_path: Path, **client: Any) -> Settings:
    entry = {**readme_sandbox_client(), "jwks": our_pinned_jwks(), **client}
    return make_settings(
        tmp_path,
        auth="on",
        public_url=PUBLIC_URL,
        trusted_clients=[entry],
        cors_origins=[SANDBOX],
        fhir_allowlist=[],
    )


def test_the_readme_configuration_pins_the_sandboxs_published_keys() -> None:
    entry = readme_sandbox_client()
    assert entry["iss"] == SANDBOX
    assert entry["jku"] == [SANDBOX_JKU]
    assert entry["jwks"] == SANDBOX_JWKS
    assert "jwks_url" not in entry


def test_the_sandboxs_real_jwks_parses_as_a_pinned_key_set() -> None:
    client = TrustedClient(**readme_sandbox_client())
    validate_trusted_clients([client])
    keys = public_keys_by_kid(SANDBOX_JWKS, source="test")
    assert list(keys) == [SANDBOX_KID]
    jwk = jwt.PyJWK(keys[SANDBOX_KID], algorithm="ES384")
    assert jwk.key.curve.name == "secp384r1"
    JwtVerifier(Settings(trusted_clients=[client]), httpx.AsyncClient(), MemoryJtiCache())


async def test_a_sandbox_call_is_verified_against_pinned_keys_without_any_fetch(
    tmp_path: Path,
) -> None:
    async with running_app(sandbox_settings(tmp_path)) as client:
        with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
            jku = mock.get(SANDBOX_JKU).respond(json=our_pinned_jwks())
            origin = {"Origin": SANDBOX}
            discovery = await client.get(
                DISCOVERY,
                headers={**origin, "Authorization": bearer(sandbox_token(PUBLIC_URL + DISCOVERY))},
            )
            body = request(prefetch=full_prefetch(), fhir=False)
            call = await client.post(
                PV,
                json=body,
                headers={**origin, "Authorization": bearer(sandbox_token(PUBLIC_URL + PV))},
            )
            assert not jku.called
            assert len(mock.calls) == 0
    assert discovery.status_code == 200, discovery.text
    assert discovery.headers["access-control-allow-origin"] == SANDBOX
    assert {s["hook"] for s in discovery.json()["services"]} >= {"patient-view"}
    assert call.status_code == 200, call.text
    assert "cards" in call.json()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"header": {"jku": "https://evil.test/.well-known/jwks.json"}}, "jku is not on the"),
        ({"key": "es384b"}, "signature verification failed"),  # another key, the Sandbox's kid
        ({"header": {"kid": "another-kid"}}, "unknown kid"),
        ({"iss": "https://sandbox.cds-hooks.org/"}, "issuer is not a trusted client"),
        ({"aud": "http://other-cds.example" + DISCOVERY}, "audience"),
    ],
)
async def test_sandbox_shaped_forgeries_are_401_without_any_fetch(
    tmp_path: Path, change: dict[str, Any], reason: str
) -> None:
    change = dict(change)
    token = bearer(sandbox_token(change.pop("aud", PUBLIC_URL + DISCOVERY), **change))
    async with running_app(sandbox_settings(tmp_path)) as client:
        with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
            response = await client.get(DISCOVERY, headers={"Authorization": token})
            assert len(mock.calls) == 0
    assert_401(response, reason, token)


def test_pinning_and_fetching_the_same_client_is_refused() -> None:
    client = TrustedClient(**{**readme_sandbox_client(), "jwks_url": SANDBOX_JKU})
    with pytest.raises(ValueError, match="not both"):
        validate_trusted_clients([client])


def test_a_pinned_set_without_a_usable_key_is_refused() -> None:
    unusable = {"keys": [{k: v for k, v in SANDBOX_JWKS["keys"][0].items() if k != "kid"}]}
    with pytest.raises(ValueError, match="no public signature key with a kid"):
        validate_trusted_clients([TrustedClient(iss=SANDBOX, jwks=unusable)])
