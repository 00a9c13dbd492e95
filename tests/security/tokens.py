"""Test keys and token minting: real keys (cryptography), real signatures (PyJWT), plus forgeries.

Keys are generated once per process; every attack token is built the way an attacker would,
so the verifier is tested against bytes on the wire, not against mocks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from cds.settings import Settings, TrustedClient

SPEC = Path(__file__).resolve().parents[1] / "data" / "cds-hooks"

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)  # = tests.conftest.FIXED_NOW
ISS = "https://ehr.example.org"
PUBLIC_URL = "https://cds.example.org"
AUD = PUBLIC_URL + "/cds-services/calf-pain-patient-view"
AUDS = frozenset({AUD})  # what the verifier is told to expect for that endpoint
FHIR = "https://ehr.example.org/fhir"
JWKS_URL = "https://ehr.example.org/.well-known/jwks.json"


def clock() -> datetime:
    return NOW


@dataclass(frozen=True)
class Key:
    kid: str
    alg: str
    private: Any

    @property
    def public_jwk(self) -> dict[str, Any]:
        algo = ECAlgorithm if self.alg.startswith("ES") else RSAAlgorithm
        jwk: dict[str, Any] = algo.to_jwk(self.private.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.alg}

    @property
    def public_pem(self) -> bytes:
        return bytes(
            self.private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


@cache
def key(name: str) -> Key:
    """Named test keys: es384, es384b (a second, untrusted P-384 key), es256, rs384, rs256."""
    if name.startswith("es"):
        curve = ec.SECP256R1() if name == "es256" else ec.SECP384R1()
        return Key(kid=f"kid-{name}", alg=name[:5].upper(), private=ec.generate_private_key(curve))
    return Key(
        kid=f"kid-{name}",
        alg=name[:5].upper(),
        private=rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


def jwks(*names: str) -> dict[str, Any]:
    return {"keys": [key(n).public_jwk for n in names]}


def claims(**overrides: Any) -> dict[str, Any]:
    iat = int(NOW.timestamp())
    base: dict[str, Any] = {
        "iss": ISS,
        "aud": AUD,
        "iat": iat,
        "exp": iat + 300,
        "jti": str(uuid.uuid4()),
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(
    payload: dict[str, Any] | None = None,
    *,
    key_name: str = "es384",
    kid: str | None = None,
    headers: dict[str, Any] | None = None,
) -> str:
    k = key(key_name)
    hdr: dict[str, Any] = {"kid": kid or k.kid, "typ": "JWT"}
    hdr.update(headers or {})
    hdr = {k: v for k, v in hdr.items() if v is not None}
    return jwt.encode(payload or claims(), k.private, algorithm=k.alg, headers=hdr)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())


def unsigned(payload: dict[str, Any] | None = None, kid: str = "kid-es384") -> str:
    """``alg: none`` with an empty signature (RFC 7519 §6 "unsecured JWT")."""
    return _segments({"alg": "none", "typ": "JWT", "kid": kid}, payload or claims()) + "."


def hs256_with_public_key(payload: dict[str, Any] | None = None, key_name: str = "es384") -> str:
    """The key-confusion attack: HMAC-SHA256 keyed with the issuer's *public* key (PEM)."""
    k = key(key_name)
    signing_input = _segments({"alg": "HS256", "typ": "JWT", "kid": k.kid}, payload or claims())
    mac = hmac.new(k.public_pem, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(mac)


def client(**overrides: Any) -> TrustedClient:
    data: dict[str, Any] = {"iss": ISS, "jwks": jwks("es384", "rs384"), "fhir_servers": [FHIR]}
    data.update(overrides)
    return TrustedClient(**data)


def settings(*clients: TrustedClient, **overrides: Any) -> Settings:
    return Settings(trusted_clients=list(clients) or [client()], **overrides)


def bearer(token: str) -> str:
    return f"Bearer {token}"
