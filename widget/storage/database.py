"""The database binding: engine settings, the schema upgrade, and the insert that gives way to duplicates."""

import os
from pathlib import Path
from sqlite3 import Connection as SQLiteConnection

from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine

from widget.extensions import db
from widget.extensions import migrate

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def init_app(app):
    """Bind the database and the migrations to the app."""
    os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))


def upgrade_schema():
    """Create the schema, or bring it up to the newest migration. Safe to run on every start."""
    upgrade(directory=str(MIGRATIONS_DIR))


@event.listens_for(Engine, "connect")
def tune_sqlite(dbapi_connection, connection_record):
    """Let several workers share one SQLite file: readers never block the writer, writers queue."""
    if not isinstance(dbapi_connection, SQLiteConnection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def insert_ignoring_conflict(model, **values):
    """Insert a row unless a unique key already holds one; True when the row was added.

    The database settles races between simultaneous inserts, so nothing is counted twice and
    no one gets an error page for a duplicate.
    """
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    table = model.__table__
    statement = (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing()
        # A returned row is the portable way to learn whether the insert happened
        # (psycopg reports rowcount -1 for this statement).
        .returning(*table.primary_key.columns)
    )
    return db.session.execute(statement).first() is not None
