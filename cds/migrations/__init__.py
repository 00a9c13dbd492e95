"""Alembic migrations for ``cds.storage.tables`` (run by ``cds.storage.db.migrate``)."""
