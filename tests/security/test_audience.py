"""The JWT audience comes from configuration, never from what the request says about its host.

The attack: a trusted EHR mints a token for another CDS service (``aud`` =
``http://other-cds.example/cds-services/...``); its holder replays it here with
``Host: other-cds.example``. If the expected audience were built from the request URL, it would
match. With ``CDS_AUTH=on`` the service therefore refuses to start without ``CDS_PUBLIC_URL`` (or
``CDS_ACCEPTED_BASE_URLS``), and the audience is a configured base plus the path called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cds.app import create_app
from cds.security import audience_bases, audiences_for
from cds.settings import Settings
from tests.conftest import make_settings, running_app

from . import tokens as t
from .test_http_auth import assert_401
from .tokens import PUBLIC_URL, bearer, claims, sign

DISCOVERY = "/cds-services"
OTHER = "http://other-cds.example"


def auth_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"auth": "on", "trusted_clients": [t.client()], "fhir_allowlist": []}
    return make_settings(tmp_path, **{**values, **overrides})


def test_auth_on_without_a_public_url_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CDS_AUTH=on needs CDS_PUBLIC_URL") as caught:
        create_app(auth_settings(tmp_path))
    assert "never taken from request headers" in str(caught.value)


def test_auth_off_starts_without_a_public_url(tmp_path: Path) -> None:
    create_app(make_settings(tmp_path))  # what `make run` does


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "other-cds.example"},
        {"Host": "other-cds.example", "X-Forwarded-Proto": "http"},
        {"X-Forwarded-Host": "other-cds.example", "X-Forwarded-Proto": "http"},
        {"Forwarded": "host=other-cds.example;proto=http"},
    ],
)
async def test_a_token_for_another_service_is_refused_whatever_the_host_header(
    tmp_path: Path, headers: dict[str, str]
) -> None:
    token = bearer(sign(claims(aud=OTHER + DISCOVERY)))
    async with running_app(auth_settings(tmp_path, public_url=PUBLIC_URL)) as client:
        response = await client.get(DISCOVERY, headers={**headers, "Authorization": token})
    assert_401(response, "audience", token)


async def test_the_configured_url_is_the_audience_whatever_the_host_header(
    tmp_path: Path,
) -> None:
    async with running_app(auth_settings(tmp_path, public_url=PUBLIC_URL + "/")) as client:
        token = bearer(sign(claims(aud=PUBLIC_URL + DISCOVERY)))
        response = await client.get(
            DISCOVERY, headers={"Host": "other-cds.example", "Authorization": token}
        )
    assert response.status_code == 200, response.text


async def test_an_accepted_base_url_is_an_audience_too(tmp_path: Path) -> None:
    internal = "https://cds.internal.example:8443/triage"
    settings = auth_settings(tmp_path, public_url=PUBLIC_URL, accepted_base_urls=[internal])
    async with running_app(settings) as client:
        ok = bearer(sign(claims(aud=internal + DISCOVERY)))
        assert (await client.get(DISCOVERY, headers={"Authorization": ok})).status_code == 200
        other = bearer(sign(claims(aud=OTHER + DISCOVERY)))
        assert_401(await client.get(DISCOVERY, headers={"Authorization": other}), "audience", other)


async def test_accepted_base_urls_alone_are_enough_to_start(tmp_path: Path) -> None:
    settings = auth_settings(tmp_path, accepted_base_urls=[PUBLIC_URL])
    async with running_app(settings) as client:
        token = bearer(sign(claims(aud=PUBLIC_URL + DISCOVERY)))
        assert (await client.get(DISCOVERY, headers={"Authorization": token})).status_code == 200


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("cds.example.org", "scheme"),
        ("https://user:pw@cds.example.org", "credentials"),
        ("https://cds.example.org/#x", "fragment"),
        ("https://cds.example.org/?tenant=a", "query"),
    ],
)
def test_an_unusable_public_url_is_refused(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        audience_bases(Settings(public_url=url))


def test_the_audience_is_a_base_plus_the_path_called() -> None:
    bases = audience_bases(
        Settings(public_url="https://gw.example.org/triage/", accepted_base_urls=[OTHER])
    )
    assert audiences_for("/cds-services", bases) == {
        "https://gw.example.org/triage/cds-services",
        OTHER + "/cds-services",
    }
