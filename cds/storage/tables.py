"""Table definitions shared by the feedback store and the JWT replay cache.

Alembic migrations (``cds/migrations``) create exactly these tables; replicas share them, so
feedback and ``jti`` replay protection work across workers and hosts.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", String(100), nullable=False),
    Column("card_uuid", String(100), nullable=False),
    Column("card_topic", String(100), nullable=True),  # from the card registry, when known
    Column("hook_instance", String(100), nullable=True),
    Column("outcome", String(20), nullable=False),  # accepted | overridden
    Column("accepted_suggestions", JSON, nullable=True),  # ["uuid", ...]
    Column("override_reason_system", String(300), nullable=True),
    Column("override_reason_code", String(100), nullable=True),
    Column("override_reason_display", Text, nullable=True),
    Column("user_comment", Text, nullable=True),
    Column("outcome_timestamp", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    # The same card may be reported more than once (spec l.818-942): each report is kept; an
    # exact duplicate delivery (same card, outcome and timestamp) is stored once.
    UniqueConstraint(
        "service_id", "card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_report"
    ),
    Index("ix_feedback_topic", "card_topic"),
)

# Which topic each issued card had, so feedback (which names only the card uuid) can be
# summarised per topic. No patient data: uuid, topic, service, hookInstance, time.
issued_cards = Table(
    "issued_cards",
    metadata,
    Column("card_uuid", String(100), primary_key=True),
    Column("service_id", String(100), nullable=False),
    Column("topic", String(100), nullable=False),
    Column("hook_instance", String(100), nullable=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
)

jwt_jti = Table(
    "jwt_jti",
    metadata,
    Column("iss", String(500), primary_key=True),
    Column("jti", String(500), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)
