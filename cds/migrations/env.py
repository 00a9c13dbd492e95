"""Alembic environment: uses the connection handed over by ``cds.storage.db.migrate``.

Run by hand with ``alembic -x url=sqlite:///./var/cds.sqlite3 upgrade head`` from
``cds/migrations`` (``alembic.ini`` there), or programmatically at start-up.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from cds.storage.db import create_db_engine
from cds.storage.tables import metadata

config = context.config
target_metadata = metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the database URL: alembic -x url=... upgrade head")
    engine = create_db_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
