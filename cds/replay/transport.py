"""Sending a replayed request: in-process through the real app, or to a running service.

In-process, the request goes through the whole HTTP stack (``httpx.ASGITransport`` against
``create_app``) with a fixed clock at the fixture's "now", auth off and a throw-away SQLite
database, so what the replay prints is what an EHR would get. One app is built per distinct
set of settings (most fixtures share the defaults; a fixture may override some, see
``fixture-setting``), and the clock is moved to each fixture's "now" before its request.

Remote (``--url``), each call carries a freshly signed ES384 JWT (CDS Hooks 2.0 l.944-1110) when
``CDS_REPLAY_JWT_KEY`` names a PEM private key: ``iss`` from ``CDS_REPLAY_JWT_ISS``, ``kid``
from ``CDS_REPLAY_JWT_KID``, ``aud`` the exact endpoint URL, 5-minute lifetime, random ``jti``.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import jwt
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from cds.fixture_bundle import Fixture, ReplayInputError
from cds.replay.request import build_request
from cds.settings import Settings


class ReplayError(RuntimeError):
    """The service could not be reached or answered with an error (message says which)."""


class ReplaySettings(Settings):
    """Settings from explicit values only: a developer's CDS_* shell variables must not change
    what a golden file says."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],  # noqa: ARG003
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    prefetch: dict[str, str]


class _Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class Sender:
    """Base: discovery once per client, then one POST per fixture."""

    async def __aenter__(self) -> Sender:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def send(self, fixture: Fixture, *, prefetch: bool = True) -> dict[str, Any]:
        raise NotImplementedError


async def _discover(client: httpx.AsyncClient, headers: Mapping[str, str]) -> dict[str, Service]:
    response = await client.get("/cds-services", headers=dict(headers))
    data = _json(response, "discovery (GET /cds-services)")
    services: dict[str, Service] = {}
    for item in data.get("services", []):
        if isinstance(item, dict) and isinstance(item.get("hook"), str):
            services.setdefault(
                item["hook"], Service(id=str(item["id"]), prefetch=dict(item.get("prefetch") or {}))
            )
    return services


async def _call(
    client: httpx.AsyncClient,
    services: Mapping[str, Service],
    fixture: Fixture,
    body_for: Any,
    headers: Mapping[str, str],
) -> dict[str, Any]:
    service = services.get(fixture.hook)
    if service is None:
        raise ReplayError(f"the service offers no {fixture.hook} service (see GET /cds-services)")
    body = body_for(service)
    response = await client.post(f"/cds-services/{service.id}", json=body, headers=dict(headers))
    return _json(response, f"{fixture.name} (POST /cds-services/{service.id})")


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code != 200 or not isinstance(data, dict):
        detail = ""
        if isinstance(data, dict) and data.get("resourceType") == "OperationOutcome":
            detail = "; ".join(
                str(i.get("diagnostics") or i.get("details", {}).get("text") or i.get("code"))
                for i in data.get("issue", [])
                if isinstance(i, dict)
            )
        raise ReplayError(f"{what}: HTTP {response.status_code} {detail}".rstrip())
    return data


class InProcessSender(Sender):
    """The real app in this process, one per settings variant, fixed clock per fixture."""

    def __init__(
        self,
        *,
        fhir_allowlist: list[str] | None = None,
        fhir_server: str | None = None,
        access_token: str | None = None,
    ) -> None:
        self._stack = AsyncExitStack()
        self._clock = _Clock()
        self._clients: dict[
            tuple[tuple[str, str], ...], tuple[httpx.AsyncClient, dict[str, Service]]
        ] = {}
        self._allowlist = fhir_allowlist or []
        self._fhir_server = fhir_server
        self._token = access_token
        self._tmp: Path | None = None

    async def __aenter__(self) -> InProcessSender:
        self._tmp = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="replay-")))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.aclose()

    async def _client_for(self, fixture: Fixture) -> tuple[httpx.AsyncClient, dict[str, Service]]:
        key = tuple(sorted(fixture.settings.items()))
        if key in self._clients:
            return self._clients[key]
        from cds.app import create_app  # the app is only needed when replaying in-process

        assert self._tmp is not None, "use InProcessSender as an async context manager"
        db = self._tmp / f"replay-{len(self._clients)}.sqlite3"
        try:
            settings = ReplaySettings(
                auth="off",
                database_url=f"sqlite:///{db}",
                fhir_allowlist=self._allowlist,
                **fixture.settings,  # type: ignore[arg-type]
            )
        except ValueError as exc:
            raise ReplayInputError(f"{fixture.name}: bad fixture-setting ({exc})") from None
        app = create_app(settings, clock=self._clock)
        await self._stack.enter_async_context(app.router.lifespan_context(app))
        client = await self._stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://replay")
        )
        services = await _discover(client, {})
        self._clients[key] = (client, services)
        return client, services

    async def send(self, fixture: Fixture, *, prefetch: bool = True) -> dict[str, Any]:
        client, services = await self._client_for(fixture)
        self._clock.now = fixture.now

        def body(service: Service) -> dict[str, Any]:
            return build_request(
                fixture,
                service.prefetch if prefetch else None,
                fhir_server=self._fhir_server,
                access_token=self._token,
            )

        return await _call(client, services, fixture, body, {})


class RemoteSender(Sender):
    """A running service at ``url``; JWT-signed when a key is configured."""

    def __init__(self, url: str, signer: JwtSigner | None = None) -> None:
        self._url = url.rstrip("/")
        self._signer = signer
        self._client = httpx.AsyncClient(base_url=self._url, timeout=30.0)
        self._services: dict[str, Service] | None = None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.aclose()

    def _headers(self, path: str) -> dict[str, str]:
        if self._signer is None:
            return {}
        return {"Authorization": f"Bearer {self._signer.token(self._url + path)}"}

    async def send(self, fixture: Fixture, *, prefetch: bool = True) -> dict[str, Any]:
        if fixture.settings:
            raise ReplayInputError(
                f"{fixture.name}: needs settings {sorted(fixture.settings)} that a remote "
                "service cannot take per request; replay it in-process"
            )
        try:
            if self._services is None:
                self._services = await _discover(self._client, self._headers("/cds-services"))
            service = self._services.get(fixture.hook)
            path = f"/cds-services/{service.id}" if service else "/cds-services"
            return await _call(
                self._client,
                self._services,
                fixture,
                lambda s: build_request(fixture, s.prefetch if prefetch else None),
                self._headers(path),
            )
        except httpx.HTTPError as exc:
            raise ReplayError(f"cannot reach {self._url}: {type(exc).__name__}") from None


class JwtSigner:
    """ES384 bearer tokens for the CDS client side of a replay."""

    def __init__(self, key_pem: bytes, iss: str, kid: str | None) -> None:
        self._key = key_pem
        self._iss = iss
        self._kid = kid

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> JwtSigner | None:
        path = env.get("CDS_REPLAY_JWT_KEY")
        if not path:
            return None
        try:
            key = Path(path).read_bytes()
        except OSError as exc:
            raise ReplayInputError(
                f"CDS_REPLAY_JWT_KEY: cannot read {path} ({exc.strerror})"
            ) from None
        return cls(
            key, env.get("CDS_REPLAY_JWT_ISS", "cds-triage-replay"), env.get("CDS_REPLAY_JWT_KID")
        )

    def token(self, audience: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self._iss,
            "sub": self._iss,
            "aud": audience,
            "iat": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
        }
        headers = {"typ": "JWT"}
        if self._kid:
            headers["kid"] = self._kid
        try:
            return jwt.encode(claims, self._key, algorithm="ES384", headers=headers)
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise ReplayInputError(
                f"CDS_REPLAY_JWT_KEY: not a usable EC P-384 key ({exc})"
            ) from None
