"""The database: one SQLAlchemy engine per process, schema kept by Alembic.

Why synchronous SQLAlchemy: the writes are tiny (a feedback row, an issued-card row, a ``jti``)
and both SQLite and PostgreSQL (psycopg 3) drivers are synchronous here, so calls run in a worker
thread (``asyncio.to_thread``) and the event loop stays free. The URL is ``CDS_DATABASE_URL``;
the same code serves ``sqlite:///./var/cds.sqlite3`` and ``postgresql+psycopg://...``.

Migrations run at start-up (``migrate``) under a lock, so that several workers or replicas
starting together on a fresh database do not race: ``pg_advisory_lock`` on PostgreSQL, an
``flock`` on a file beside the database for SQLite (one host by nature), and a thread lock because
Alembic's ``context``/``op`` proxies are process-global. ``cds-triage serve`` also migrates once
before it spawns workers.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

logger = logging.getLogger(__name__)

_PG_MIGRATION_LOCK = 7_262_020_250  # arbitrary, constant pg_advisory_lock key
_THREAD_LOCK = threading.Lock()


def normalise_url(url: str) -> str:
    """Plain ``postgresql://`` means psycopg 3 here (the driver we ship), not psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def create_db_engine(url: str) -> Engine:
    """An engine for ``CDS_DATABASE_URL``; SQLite gets WAL and a busy timeout for many workers."""
    url = normalise_url(url)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


SQLITE_BUSY_TIMEOUT_MS = 30_000  # how long a write waits for another process's lock


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("cds").joinpath("migrations")))
    config.attributes["connection"] = None
    config.attributes["engine"] = engine
    return config


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or database in ("", ":memory:"):
        yield
        return
    lock_path = Path(database).expanduser().with_name(Path(database).name + ".migrate-lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: Engine) -> None:
    """``alembic upgrade head`` on this engine: idempotent, serialised across processes."""
    with _THREAD_LOCK, _sqlite_file_lock(engine):
        _upgrade(engine)
    logger.info("database schema is up to date")


def _upgrade(engine: Engine) -> None:
    from alembic import command

    config = _alembic_config(engine)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
        finally:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                connection.commit()
