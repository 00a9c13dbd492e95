"""Persistence: feedback and the JWT ``jti`` replay cache (SQLite; PostgreSQL in production)."""
