"""Tenants: feedback and issued cards belong to the caller's issuer (and configured tenant).

Adds ``iss`` and ``tenant`` to ``feedback`` (in its unique report key and its summary index) and
to ``issued_cards`` (in its primary key, so two tenants may be issued the same card id).

Rows written before this revision were written by callers nobody recorded: they go to the local
tenant (empty issuer and tenant, the tenant of ``CDS_AUTH=off``), never to an authenticated
client, so an upgrade shows no client another's feedback. With auth on, the summaries start
empty, and feedback on a card issued before the upgrade is refused as another tenant's.
``cds-triage feedback-summary`` still counts every row.

Revision ID: 0002_tenants
Revises: 0001_initial
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_tenants"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_CHARS = 500
_REPORT = ["service_id", "card_uuid", "outcome", "outcome_timestamp"]


def _tenant_columns(*, primary_key: bool = False) -> list[sa.Column[str]]:
    return [
        sa.Column(
            name, sa.String(_CHARS), nullable=False, server_default="", primary_key=primary_key
        )
        for name in ("iss", "tenant")
    ]


def _issued_cards(*, tenants: bool) -> None:
    """Create ``issued_cards`` with its primary key with tenants (named, so that it never meets
    the old table's PostgreSQL default name) or without (as ``0001_initial``)."""
    key = ["iss", "tenant", "card_uuid"] if tenants else ["card_uuid"]
    op.create_table(
        "issued_cards",
        *(_tenant_columns() if tenants else []),
        sa.Column("card_uuid", sa.String(100), nullable=False),
        sa.Column("service_id", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("hook_instance", sa.String(100), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(*key, name="pk_issued_cards" if tenants else None),
    )


_ISSUED = "card_uuid, service_id, topic, hook_instance, issued_at"


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        for column in _tenant_columns():
            batch.add_column(column)
        batch.drop_constraint("uq_feedback_report", type_="unique")
        batch.create_unique_constraint("uq_feedback_report", ["iss", "tenant", *_REPORT])
        batch.drop_index("ix_feedback_topic")
        batch.create_index("ix_feedback_tenant_topic", ["iss", "tenant", "card_topic"])
    # A new primary key: a new table, the same way on both databases, rows copied.
    op.rename_table("issued_cards", "issued_cards_0001")
    _issued_cards(tenants=True)
    op.execute(
        f"INSERT INTO issued_cards (iss, tenant, {_ISSUED}) "
        f"SELECT '', '', {_ISSUED} FROM issued_cards_0001"
    )
    op.drop_table("issued_cards_0001")
    op.create_index("ix_issued_cards_card_uuid", "issued_cards", ["card_uuid"])


def downgrade() -> None:
    """Back to one tenant: where tenants' rows would collide under the old keys (the same report,
    or the same card id issued to several tenants) one row is kept, as the old keys allow."""
    op.drop_index("ix_issued_cards_card_uuid", table_name="issued_cards")
    op.rename_table("issued_cards", "issued_cards_0002")
    _issued_cards(tenants=False)
    op.execute(
        f"INSERT INTO issued_cards ({_ISSUED}) SELECT {_ISSUED} FROM issued_cards_0002 AS t"
        " WHERE NOT EXISTS (SELECT 1 FROM issued_cards_0002 AS o WHERE o.card_uuid = t.card_uuid"
        " AND (o.iss < t.iss OR (o.iss = t.iss AND o.tenant < t.tenant)))"
    )
    op.drop_table("issued_cards_0002")
    op.execute(
        "DELETE FROM feedback WHERE id NOT IN (SELECT min(id) FROM feedback"
        f" GROUP BY {', '.join(_REPORT)})"
    )
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index("ix_feedback_tenant_topic")
        batch.create_index("ix_feedback_topic", ["card_topic"])
        batch.drop_constraint("uq_feedback_report", type_="unique")
        batch.create_unique_constraint("uq_feedback_report", _REPORT)
        batch.drop_column("iss")
        batch.drop_column("tenant")
