"""Storage: the database binding, the schema (typed models and Alembic migrations)."""
