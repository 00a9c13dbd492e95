"""Security headers, CORS policy, the start-up warning and log redaction."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from cds.security import (
    RedactingFilter,
    add_security_middleware,
    install_log_redaction,
    redact,
    warn_if_auth_off,
)
from cds.settings import Settings

from . import tokens as t

SANDBOX = "https://sandbox.cds-hooks.org"


def web_settings(**values: object) -> Settings:
    """Auth off unless asked: these tests are about headers and CORS, not the audience."""
    return Settings(**{"auth": "off", **values})  # type: ignore[arg-type]


def app_with(settings: Settings) -> FastAPI:
    app = FastAPI()

    @app.get("/cds-services")
    async def discovery() -> dict[str, list[str]]:
        return {"services": []}

    add_security_middleware(app, settings)
    return app


async def get(app: FastAPI, path: str, **kwargs: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.request(str(kwargs.pop("method", "GET")), path, **kwargs)  # type: ignore[arg-type]


async def test_api_responses_carry_security_headers() -> None:
    response = await get(app_with(web_settings()), "/cds-services")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in response.headers  # plain http, no public https URL


async def test_hsts_when_the_public_url_is_https() -> None:
    response = await get(
        app_with(web_settings(public_url="https://cds.example.org")), "/cds-services"
    )
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_docs_page_keeps_working_without_our_csp() -> None:
    response = await get(app_with(web_settings()), "/docs")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_cors_preflight_for_a_configured_browser_origin() -> None:
    app = app_with(web_settings(cors_origins=[SANDBOX]))
    headers = {
        "Origin": SANDBOX,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    response = await get(app, "/cds-services", method="OPTIONS", headers=headers)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SANDBOX
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"

    other = await get(app, "/cds-services", headers={"Origin": "https://evil.test"})
    assert "access-control-allow-origin" not in other.headers


async def test_no_cors_headers_unless_configured() -> None:
    response = await get(app_with(web_settings()), "/cds-services", headers={"Origin": SANDBOX})
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    ("origins", "credentials", "message"),
    [
        (["*"], True, "refused"),
        (["https://sandbox.cds-hooks.org/"], False, "not an origin"),
        (["sandbox.cds-hooks.org"], False, "not an origin"),
    ],
)
def test_unsafe_cors_configuration_is_refused(
    origins: list[str], credentials: bool, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        app_with(web_settings(cors_origins=origins, cors_allow_credentials=credentials))


def test_wildcard_without_credentials_is_allowed() -> None:
    app_with(web_settings(cors_origins=["*"]))


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (Settings(auth="off"), "CDS_AUTH=off"),
        (Settings(auth="on"), "CDS_TRUSTED_CLIENTS is empty"),
        (t.settings(), None),
    ],
)
def test_start_up_warning(
    settings: Settings, expected: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("cds.test.startup")
    with caplog.at_level(logging.WARNING, logger="cds.test.startup"):
        warn_if_auth_off(settings, logger)
    if expected is None:
        assert caplog.records == []
    else:
        assert [r.levelno for r in caplog.records] == [logging.WARNING]
        assert expected in caplog.records[0].getMessage()


JWT = t.sign()


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"Authorization: Bearer {JWT}", JWT),
        ("authorization=bearer opaque-token-123", "opaque-token-123"),
        (f"token {JWT} in a message", JWT),
        ('{"access_token": "abc.def-ghi", "token_type": "Bearer"}', "abc.def-ghi"),
        ("access_token=s3cr3t&scope=patient/*.read", "s3cr3t"),
        ("{'access_token': 'x9y8z7'}", "x9y8z7"),
    ],
)
def test_redaction_removes_tokens(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert "[REDACTED]" in cleaned


def test_redaction_leaves_ordinary_text_alone() -> None:
    text = "request hookInstance=d1577c69 status=200 cards=2"
    assert redact(text) == text


def test_redacting_filter_merges_args(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("cds.test.redaction")
    logger.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger="cds.test.redaction"):
            logger.info("calling with %s (%d)", f"Bearer {JWT}", 1)
    finally:
        logger.filters.clear()
    assert caplog.records[0].getMessage() == "calling with Bearer [REDACTED] (1)"
    assert JWT not in caplog.text


def test_installed_redaction_covers_every_logger(caplog: pytest.LogCaptureFixture) -> None:
    original = logging.getLogRecordFactory()
    try:
        install_log_redaction()
        install_log_redaction()  # idempotent: one wrapper only
        with caplog.at_level(logging.INFO):
            logging.getLogger("some.library").info(
                "headers: %r", {"Authorization": f"Bearer {JWT}"}
            )
    finally:
        logging.setLogRecordFactory(original)
    assert JWT not in caplog.text
    assert "[REDACTED]" in caplog.text
