"""Claims with odd values, signed by a trusted key, through the running app: 401, never 500.

JSON text is written by hand (``NaN``, ``1e400``, ``10**400``, escaped lone surrogates and NUL)
and signed as bytes, exactly as an attacker holding a trusted key, or a buggy EHR, would send it.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from jwt.api_jws import PyJWS

from tests.conftest import running_app

from .test_http_auth import assert_401, auth_settings
from .tokens import AUD, ISS, NOW, bearer, key

DISCOVERY = "/cds-services"
AUD_DISCOVERY = AUD.rsplit("/", 1)[0]
IAT = int(NOW.timestamp())


def signed_text(**members: str) -> str:
    """A token whose payload is these JSON members, each given as raw JSON text."""
    values = {
        "iss": json.dumps(ISS),
        "aud": json.dumps(AUD_DISCOVERY),
        "iat": str(IAT),
        "exp": str(IAT + 300),
        "jti": json.dumps(str(uuid.uuid4())),
    }
    values.update(members)
    payload = "{" + ",".join(f'"{k}":{v}' for k, v in values.items()) + "}"
    k = key("es384")
    return PyJWS().encode(
        payload.encode(), k.private, algorithm=k.alg, headers={"kid": k.kid, "typ": "JWT"}
    )


ODD = [
    ("iat NaN, 30-day exp", {"iat": "NaN", "exp": str(IAT + 30 * 86400)}, "'iat'"),
    ("exp NaN", {"exp": "NaN"}, "'exp'"),
    ("exp 1e400", {"exp": "1e400"}, "'exp'"),
    ("exp -1e400", {"exp": "-1e400"}, "'exp'"),
    ("exp 10**400", {"exp": "1" + "0" * 400}, "'exp' is out of range"),
    ("iat negative", {"iat": "-5"}, "'iat' is out of range"),
    ("exp fractional", {"exp": f"{IAT + 300}.5"}, "whole number"),
    ("nbf NaN", {"nbf": "NaN"}, "'nbf'"),
    ("nbf string", {"nbf": '"soon"'}, "'nbf' is not a number"),
    ("jti lone surrogate", {"jti": '"abc\\ud800"'}, "'jti' must be a printable string"),
    ("jti NUL", {"jti": '"abc\\u0000def"'}, "'jti' must be a printable string"),
    ("jti newline", {"jti": '"abc\\ndef"'}, "'jti' must be a printable string"),
    ("jti empty", {"jti": '""'}, "'jti'"),
    ("jti number", {"jti": "12345"}, "token rejected"),  # PyJWT's own check
    ("jti too long", {"jti": json.dumps("x" * 256)}, "'jti'"),
    ("tenant NUL", {"tenant": '"t\\u0000"'}, "'tenant' must be a printable string"),
    ("tenant surrogate", {"tenant": '"\\udfff"'}, "'tenant' must be a printable string"),
    ("tenant object", {"tenant": "{}"}, "'tenant'"),
]


@pytest.fixture
async def app(tmp_path: Path) -> httpx.AsyncClient:  # type: ignore[misc]
    async with running_app(auth_settings(tmp_path)) as client:
        yield client


@pytest.mark.parametrize(("case", "members", "reason"), ODD, ids=[c[0] for c in ODD])
async def test_odd_claim_values_are_401(
    app: httpx.AsyncClient, case: str, members: dict[str, str], reason: str
) -> None:
    authorization = bearer(signed_text(**members))
    response = await app.get(DISCOVERY, headers={"Authorization": authorization})
    assert_401(response, reason, authorization)


@pytest.mark.parametrize(
    "members",
    [
        {},
        {"iat": f"{IAT}.0", "exp": f"{IAT + 300}.0"},  # whole seconds written as floats
        {"jti": json.dumps("größe-Ω-" + "x" * 240)},  # printable, not ASCII, 250 characters
        {"tenant": '"2ddd6c3a-8e9a-44c6-a305-52111ad302a2"'},
    ],
)
async def test_ordinary_claim_values_are_accepted(
    app: httpx.AsyncClient, members: dict[str, str]
) -> None:
    response = await app.get(DISCOVERY, headers={"Authorization": bearer(signed_text(**members))})
    assert response.status_code == 200, response.text
