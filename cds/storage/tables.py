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
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Every feedback row and issued card belongs to a tenant (``cds.storage.tenants``): the verified
# issuer and its configured tenant, both empty for the local tenant of CDS_AUTH=off.
_ISS_CHARS = 500
_TENANT_CHARS = 500

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("iss", String(_ISS_CHARS), nullable=False, server_default=""),
    Column("tenant", String(_TENANT_CHARS), nullable=False, server_default=""),
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
        "iss",
        "tenant",
        "service_id",
        "card_uuid",
        "outcome",
        "outcome_timestamp",
        name="uq_feedback_report",
    ),
    Index("ix_feedback_tenant_topic", "iss", "tenant", "card_topic"),
)

# Which topic each issued card had, so feedback (which names only the card uuid) can be
# summarised per topic, and to whom it was issued. No patient data: tenant, uuid, topic,
# service, hookInstance, time. Card ids are derived from the EHR's hookInstance, so two tenants
# may be issued the same id: each keeps its own row.
issued_cards = Table(
    "issued_cards",
    metadata,
    Column("iss", String(_ISS_CHARS), nullable=False, server_default=""),
    Column("tenant", String(_TENANT_CHARS), nullable=False, server_default=""),
    Column("card_uuid", String(100), nullable=False),
    Column("service_id", String(100), nullable=False),
    Column("topic", String(100), nullable=False),
    Column("hook_instance", String(100), nullable=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("iss", "tenant", "card_uuid", name="pk_issued_cards"),
    Index("ix_issued_cards_card_uuid", "card_uuid"),
)

jwt_jti = Table(
    "jwt_jti",
    metadata,
    Column("iss", String(500), primary_key=True),
    Column("jti", String(500), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)
