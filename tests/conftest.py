"""Shared test fixtures: paths to the copied spec material, settings, a running app in process.

The app runs in process through ``httpx.ASGITransport`` with its lifespan started explicitly
(``app.router.lifespan_context``), so the shared httpx client, the database (a SQLite file in
``tmp_path``, migrated by Alembic) and the verifier exist exactly as in production. The EHR's FHIR
server is mocked with respx at the transport; the ASGI app itself is never mocked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from cds.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = REPO_ROOT / "tests" / "data"  # copies of public material, see its SOURCES.md
EXAMPLES = TEST_DATA / "cds-hooks" / "extracted-examples"

FHIR_BASE = "https://ehr.example.org/fhir"
FIXED_NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
BASE_URL = "http://cds.test"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Auth off, our mock FHIR server allowlisted, a fresh SQLite file per test."""
    values: dict[str, Any] = {
        "auth": "off",
        "fhir_allowlist": [FHIR_BASE],
        "database_url": f"sqlite:///{tmp_path / 'cds.sqlite3'}",
        "fhir_timeout_seconds": 1.0,
        "fetch_deadline_seconds": 2.0,
    }
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def running_app(
    settings: Settings, *, clock: Callable[[], datetime] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to a started app (lifespan entered, left on exit)."""
    from cds.app import create_app  # imported here so unrelated test folders never need it

    app = create_app(settings, clock=clock or (lambda: FIXED_NOW))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            yield client


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(settings) as http:
        yield http
