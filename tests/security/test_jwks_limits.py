"""A trusted client's JWKS URL that drips or floods, reached through the app by forged tokens.

Anyone can send a token naming a trusted ``iss``: the JWKS fetch happens before any signature is
checked. So a slow or huge JWKS answer must cost a bounded time and a bounded number of bytes,
the callers waiting on it must share one fetch, and nobody else may wait for it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from cds.security.jwks import MAX_JWKS_BYTES
from cds.settings import Settings
from tests.conftest import running_app

from . import tokens as t
from .test_http_auth import auth_settings
from .tokens import PUBLIC_URL, bearer, claims, sign

DISCOVERY = "/cds-services"
JWKS_URL = "https://slow-ehr.example/.well-known/jwks.json"
SLOW_ISS = "https://slow-ehr.example"
TIMEOUT = 0.5


class Drip(httpx.AsyncByteStream):
    """A body sent one byte every ``pause`` seconds (``count`` bytes at most)."""

    def __init__(self, pause: float, count: int) -> None:
        self.pause, self.count, self.sent = pause, count, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.count:
            self.sent += 1
            yield b" "
            await asyncio.sleep(self.pause)


class Flood(httpx.AsyncByteStream):
    """``total`` bytes in 64 KiB chunks, counting how many were taken from it."""

    CHUNK = b" " * 65536

    def __init__(self, total: int) -> None:
        self.total, self.sent = total, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += len(self.CHUNK)
            yield self.CHUNK


def settings(tmp_path: Path) -> Settings:
    slow = t.client(iss=SLOW_ISS, jwks=None, jwks_url=JWKS_URL)
    return auth_settings(tmp_path, trusted_clients=[slow, t.client()], jwks_timeout_seconds=TIMEOUT)


def forged(iss: str = SLOW_ISS) -> dict[str, str]:
    """A token naming the slow issuer, signed by nobody it trusts."""
    token = sign(claims(iss=iss, aud=PUBLIC_URL + DISCOVERY), key_name="es384b")
    return {"Authorization": bearer(token)}


def genuine() -> dict[str, str]:
    return {"Authorization": bearer(sign(claims(aud=PUBLIC_URL + DISCOVERY)))}


async def test_a_dripping_jwks_is_given_up_after_the_timeout(tmp_path: Path) -> None:
    drip = Drip(pause=0.2, count=50)  # 10 s if read to the end
    async with running_app(settings(tmp_path)) as client:
        with respx.mock(assert_all_mocked=True) as mock:
            mock.get(JWKS_URL).mock(return_value=httpx.Response(200, stream=drip))
            started = time.perf_counter()
            response = await client.get(DISCOVERY, headers=forged())
            elapsed = time.perf_counter() - started
    assert response.status_code == 503, response.text
    assert "did not arrive within" in response.json()["issue"][0]["diagnostics"]
    assert elapsed < TIMEOUT + 1.0
    assert drip.sent < 10


async def test_callers_share_one_fetch_and_others_do_not_wait(tmp_path: Path) -> None:
    async with running_app(settings(tmp_path)) as client:
        with respx.mock(assert_all_mocked=True) as mock:
            route = mock.get(JWKS_URL).mock(
                side_effect=lambda _request: httpx.Response(200, stream=Drip(0.2, 50))
            )
            started = time.perf_counter()
            waiting = [asyncio.ensure_future(client.get(DISCOVERY, headers=forged()))]
            await asyncio.sleep(0.05)  # the first fetch is under way
            waiting += [
                asyncio.ensure_future(client.get(DISCOVERY, headers=forged())) for _ in range(4)
            ]
            unrelated = await asyncio.wait_for(client.get(DISCOVERY, headers=genuine()), 1.0)
            unrelated_after = time.perf_counter() - started
            answers = await asyncio.wait_for(asyncio.gather(*waiting), 5.0)
            elapsed = time.perf_counter() - started
            assert route.call_count == 1
    assert unrelated.status_code == 200, unrelated.text
    assert unrelated_after < TIMEOUT  # answered while the slow fetch was still running
    assert [a.status_code for a in answers] == [503] * 5
    assert elapsed < TIMEOUT + 1.0


@pytest.mark.parametrize("declared", [False, True], ids=["streamed", "content-length"])
async def test_a_huge_jwks_is_refused_after_the_limit_not_read_whole(
    tmp_path: Path, declared: bool
) -> None:
    flood = Flood(64 * 1024 * 1024)
    headers: dict[str, Any] = {"content-length": str(flood.total)} if declared else {}
    async with running_app(settings(tmp_path)) as client:
        with respx.mock(assert_all_mocked=True) as mock:
            mock.get(JWKS_URL).mock(return_value=httpx.Response(200, stream=flood, headers=headers))
            response = await client.get(DISCOVERY, headers=forged())
    assert response.status_code == 401, response.text
    assert "too large" in response.json()["issue"][0]["diagnostics"]
    assert flood.sent <= (0 if declared else MAX_JWKS_BYTES + len(Flood.CHUNK))


async def test_after_a_timeout_the_next_caller_fetches_again(tmp_path: Path) -> None:
    """A failed fetch is not remembered as the answer: the EHR may be back."""
    async with running_app(settings(tmp_path)) as client:
        with respx.mock(assert_all_mocked=True) as mock:
            route = mock.get(JWKS_URL).mock(
                side_effect=[
                    httpx.Response(200, stream=Drip(0.2, 50)),
                    httpx.Response(200, json=t.jwks("es384")),
                ]
            )
            first = await client.get(DISCOVERY, headers=forged())
            token = sign(claims(iss=SLOW_ISS, aud=PUBLIC_URL + DISCOVERY))
            second = await client.get(DISCOVERY, headers={"Authorization": bearer(token)})
            assert route.call_count == 2
    assert first.status_code == 503
    assert second.status_code == 200, second.text
