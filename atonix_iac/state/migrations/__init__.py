"""Alembic environment and schema versions of the state database (run in code, no alembic.ini)."""
