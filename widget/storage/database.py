"""The database binding: engine settings, the schema upgrade, and the insert that gives way to duplicates."""

import os
from contextlib import suppress
from functools import cache
from pathlib import Path
from sqlite3 import Connection as SQLiteConnection

from flask_migrate import upgrade
from sqlalchemy import bindparam
from sqlalchemy import event
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url

from widget.extensions import db
from widget.extensions import migrate
from widget.storage.driver import on_postgresql
from widget.storage.driver import run

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def init_app(app):
    """Bind the database and the migrations to the app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    with app.app_context():
        # The file as Flask-SQLAlchemy opens it (a relative path is taken inside the instance
        # folder); the engine has not opened it yet.
        database = sqlite_file(db.engine.url)
    if database is None:
        return  # a read-only checkout serving PostgreSQL needs no instance folder
    if database.parent == Path(app.instance_path):
        os.makedirs(app.instance_path, mode=0o700, exist_ok=True)  # for the service's user alone
    create_privately(database)


def sqlite_file(url):
    """The file of a SQLite database URL; None for another database, one in memory, or one opened
    read-only."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if url.query.get("uri") == "true":
        if url.query.get("mode") in ("ro", "memory"):
            return None
        database = database.removeprefix("file:")
    if database in ("", ":memory:"):
        return None
    return Path(database).absolute()


def create_privately(database):
    """Make a new SQLite database file readable by the service's user alone: SQLite would make it
    (and its write-ahead log after it, which takes the file's permissions) readable by every user
    of the host. An empty file is a new database to SQLite."""
    with suppress(OSError):  # there already; or a folder missing or not writable, which SQLite reports
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def open_to_others(database):
    """Whether other users of the host can read the database: the file or its write-ahead log is
    readable by them, and so is its folder."""
    try:
        if not database.parent.stat().st_mode & 0o011:
            return False
    except OSError:
        return False
    for path in (database, database.with_name(f"{database.name}-wal"), database.with_name(f"{database.name}-shm")):
        with suppress(OSError):
            if path.stat().st_mode & 0o044:
                return True
    return False


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


def in_transaction(connection=None):
    """The connection a write goes to: the one given, else the session's (in its transaction).
    Writes on every supporter's path go straight to a connection: they need no ORM bookkeeping.
    A driver connection of `own_connection` is given back as it is: only statements sent with
    `run` can go to it."""
    return connection if connection is not None else db.session.connection()


def insert_ignoring_conflict(model, connection=None, only_if=None, **values):
    """Insert a row unless a unique key already holds one; True when the row was added. On the
    connection given (one of the thread's own too), else the session's. With `only_if` (a query
    built once, as `run` needs, whose parameters come with the values), only if that query finds
    a row, in the same statement.

    The database settles races between simultaneous inserts, so nothing is counted twice and
    no one gets an error page for a duplicate.
    """
    connection = in_transaction(connection)
    statement = insert_ignoring_conflict_statement(model.__table__, on_postgresql(connection), only_if)
    return run(connection, statement, values).fetchone() is not None


@cache
def insert_ignoring_conflict_statement(table, for_postgresql, only_if=None):
    """One statement per table (and condition), built once: through SQLAlchemy, the columns come
    from each call's values; straight to the driver (`run`), every column is bound, and must be
    given. With a condition every column is bound, whichever way it is sent."""
    dialect = postgresql if for_postgresql else sqlite
    if only_if is not None:
        return inserted_if(dialect, table, [column.name for column in table.columns], exists(only_if))
    # A returned row is the portable way to learn whether the insert happened
    # (psycopg reports rowcount -1 for this statement).
    return dialect.insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)


def inserted_if(dialect, table, names, condition, bound_as=lambda name: name):
    """An insert of one row of these columns, each value bound by its name (or as `bound_as`
    names it), if `condition` holds, unless a unique key already holds one; returning the row's
    primary key when it was inserted. For statements built once (`run` compiles each once)."""
    row = select(*(bindparam(bound_as(name), type_=table.c[name].type) for name in names)).where(condition)
    return (dialect.insert(table).from_select(list(names), row).on_conflict_do_nothing()
            .returning(*table.primary_key.columns))
