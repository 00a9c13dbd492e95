"""Databases for the storage tests: SQLite always, PostgreSQL when a server is there.

``make test`` starts a throwaway PostgreSQL (``scripts/postgres-test-server.sh``) and passes its
URL in ``CDS_TEST_POSTGRES_URL``. Without it the ``postgres`` tests skip with the reason, except
under ``CI=true``, where they fail: CI must prove the PostgreSQL path (issue 7).

Every PostgreSQL test gets a database of its own (created from the server URL, dropped after),
so several test runs may share one server at the same time.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from cds.storage.db import create_db_engine, migrate

POSTGRES_ENV = "CDS_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def postgres_server_url() -> str:
    """The server URL from the environment, or skip (fail under CI) with the reason."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            f"CI=true but {POSTGRES_ENV} is unset: scripts/postgres-test-server.sh could not "
            "install or start PostgreSQL, and the storage tests must run on it in CI"
        )
    pytest.skip(
        f"{POSTGRES_ENV} is unset: run `make test` (it starts a throwaway PostgreSQL with "
        "scripts/postgres-test-server.sh) or set it to a postgresql+psycopg:// URL"
    )


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as a libpq conninfo URL (psycopg does not know ``+psycopg``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_postgres_database() -> tuple[str, str]:
    """A new empty database on the test server: (SQLAlchemy URL, name)."""
    server = postgres_server_url()
    name = f"cds_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(server), autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    return url, name


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(
        _libpq(postgres_server_url()), autocommit=True, connect_timeout=10
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no tables) on ``backend`` (one of ``BACKENDS``)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'storage.sqlite3'}"
        return
    url, name = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(name)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables) on each backend."""
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like ``database_url`` but shared by one module's tests (e.g. behind long-lived servers)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('shared') / 'storage.sqlite3'}"
        return
    url, name = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine (Alembic head) on each backend."""
    db = create_db_engine(database_url)
    migrate(db)
    try:
        yield db
    finally:
        db.dispose()
