"""Initial schema: feedback, issued_cards, jwt_jti (as in cds/storage/tables.py).

Revision ID: 0001_initial
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("service_id", sa.String(100), nullable=False),
        sa.Column("card_uuid", sa.String(100), nullable=False),
        sa.Column("card_topic", sa.String(100), nullable=True),
        sa.Column("hook_instance", sa.String(100), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("accepted_suggestions", sa.JSON, nullable=True),
        sa.Column("override_reason_system", sa.String(300), nullable=True),
        sa.Column("override_reason_code", sa.String(100), nullable=True),
        sa.Column("override_reason_display", sa.Text, nullable=True),
        sa.Column("user_comment", sa.Text, nullable=True),
        sa.Column("outcome_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "service_id", "card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_report"
        ),
    )
    op.create_index("ix_feedback_topic", "feedback", ["card_topic"])
    op.create_table(
        "issued_cards",
        sa.Column("card_uuid", sa.String(100), primary_key=True),
        sa.Column("service_id", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("hook_instance", sa.String(100), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "jwt_jti",
        sa.Column("iss", sa.String(500), primary_key=True),
        sa.Column("jti", sa.String(500), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_jwt_jti_expires_at", "jwt_jti", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_jwt_jti_expires_at", table_name="jwt_jti")
    op.drop_table("jwt_jti")
    op.drop_table("issued_cards")
    op.drop_index("ix_feedback_topic", table_name="feedback")
    op.drop_table("feedback")
