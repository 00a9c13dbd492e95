"""Persistence: feedback and the JWT ``jti`` replay cache (SQLite by default, PostgreSQL in production)."""
