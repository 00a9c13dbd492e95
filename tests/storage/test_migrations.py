"""Alembic migrations on SQLite and PostgreSQL: the schema they build is ``tables.py``'s.

Replicas share one database (issue 7), so the migrations must produce exactly the tables the code
uses, be safe to run again at every start, run down and up again, and survive several workers
starting at the same time.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from cds.storage.db import _alembic_config, create_db_engine, migrate
from cds.storage.tables import metadata

TABLES = {"feedback", "issued_cards", "jwt_jti"}


def _head(engine: Engine) -> str:
    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def _version(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _diff(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def test_upgrade_builds_exactly_the_declared_schema(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert names - {"alembic_version"} == TABLES
    assert _version(engine) == _head(engine)
    # autogenerate finds nothing to do: migrations and tables.py agree, column by column
    assert _diff(engine) == []


def test_feedback_report_is_unique_per_tenant_card_outcome_and_time(engine: Engine) -> None:
    constraints = inspect(engine).get_unique_constraints("feedback")
    columns = {tuple(c["column_names"]) for c in constraints}
    report = ("iss", "tenant", "service_id", "card_uuid", "outcome", "outcome_timestamp")
    assert report in columns
    key = inspect(engine).get_pk_constraint("issued_cards")["constrained_columns"]
    assert key == ["iss", "tenant", "card_uuid"]


def _migrate_to(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = _alembic_config(engine)
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)
        conn.commit()


_AT = "2025-03-01 12:00:00+00:00"
_FEEDBACK_0001 = (
    "INSERT INTO feedback (service_id, card_uuid, card_topic, outcome, outcome_timestamp,"
    " received_at) VALUES ('svc', :card, 'dvt-wells', 'overridden', :at, :at)"
)


def test_rows_from_before_tenants_belong_to_the_local_tenant(database_url: str) -> None:
    db = create_db_engine(database_url)
    try:
        _migrate_to(db, "0001_initial")
        with db.begin() as conn:
            conn.execute(text(_FEEDBACK_0001), {"card": "c1", "at": _AT})
            conn.execute(
                text(
                    "INSERT INTO issued_cards (card_uuid, service_id, topic, issued_at)"
                    " VALUES ('c1', 'svc', 'dvt-wells', :at)"
                ),
                {"at": _AT},
            )
        migrate(db)
        with db.connect() as conn:
            feedback = conn.execute(text("SELECT iss, tenant, card_uuid FROM feedback")).all()
            issued = conn.execute(text("SELECT iss, tenant, topic FROM issued_cards")).all()
        assert [tuple(r) for r in feedback] == [("", "", "c1")]
        assert [tuple(r) for r in issued] == [("", "", "dvt-wells")]
        assert _diff(db) == []
    finally:
        db.dispose()


def test_downgrade_keeps_one_row_where_tenants_would_collide(engine: Engine) -> None:
    with engine.begin() as conn:
        for iss in ("https://a.example", "https://b.example"):
            conn.execute(
                text(
                    "INSERT INTO issued_cards (iss, tenant, card_uuid, service_id, topic,"
                    " issued_at) VALUES (:iss, '', 'c1', 'svc', 'dvt-wells', :at)"
                ),
                {"iss": iss, "at": _AT},
            )
            conn.execute(
                text(
                    "INSERT INTO feedback (iss, tenant, service_id, card_uuid, outcome,"
                    " outcome_timestamp, received_at)"
                    " VALUES (:iss, '', 'svc', 'c1', 'overridden', :at, :at)"
                ),
                {"iss": iss, "at": _AT},
            )
    _migrate_to(engine, "0001_initial", down=True)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM issued_cards")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM feedback")).scalar_one() == 1
    migrate(engine)
    assert _diff(engine) == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO jwt_jti (iss, jti, expires_at) VALUES ('i', 'j', :t)"),
            {"t": "2030-01-01 00:00:00+00:00"},
        )
    migrate(engine)  # every worker migrates at start-up
    migrate(engine)
    assert _version(engine) == _head(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM jwt_jti")).scalar_one() == 1


def test_downgrade_to_base_and_up_again(engine: Engine) -> None:
    config = _alembic_config(engine)
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
        conn.commit()
    assert set(inspect(engine).get_table_names()) & TABLES == set()
    assert _version(engine) is None
    migrate(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert _diff(engine) == []


def _error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if "Error" in ln and not ln.startswith(" ")]
    return lines[-1] if lines else stderr[-300:]


_MIGRATE_AT = """
import sys, time
from cds.storage.db import create_db_engine, migrate
engine = create_db_engine(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
migrate(engine)
"""


@pytest.mark.parametrize("workers", [4])
def test_workers_starting_together_on_a_fresh_database(database_url: str, workers: int) -> None:
    """N processes (replicas' lifespans) call ``migrate`` on one empty database at one instant.

    Separate processes, not threads: Alembic's ``context``/``op`` proxies are process-global.
    """
    start_at = time.time() + 3.0  # after every interpreter has imported SQLAlchemy and Alembic
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _MIGRATE_AT, database_url, str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    outcomes = [(p.wait(timeout=60), p.communicate()[1]) for p in procs]
    failures = [_error_line(err) for rc, err in outcomes if rc != 0]
    assert failures == []
    db = create_db_engine(database_url)
    try:
        assert _version(db) == _head(db)
        assert _diff(db) == []
    finally:
        db.dispose()
