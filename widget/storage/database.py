"""The database binding: engine settings, the schema upgrade, and the insert that gives way to duplicates."""

import os
import sqlite3
import threading
import weakref
from contextlib import contextmanager
from contextlib import suppress
from functools import cache
from pathlib import Path
from sqlite3 import Connection as SQLiteConnection

from flask_migrate import upgrade
from sqlalchemy import bindparam
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from widget.extensions import db
from widget.extensions import migrate
from widget.storage.models import Campaign
from widget.storage.models import Partner

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


def in_transaction(connection=None):
    """The connection a write goes to: the one given, else the session's (in its transaction).
    Writes on every supporter's path go straight to a connection: they need no ORM bookkeeping.
    A sqlite3 connection of `own_sqlite_connection` is given back as it is: only statements sent
    with `run` can go to it."""
    return connection if connection is not None else db.session.connection()


def insert_ignoring_conflict(model, connection=None, **values):
    """Insert a row unless a unique key already holds one; True when the row was added.

    The database settles races between simultaneous inserts, so nothing is counted twice and
    no one gets an error page for a duplicate.
    """
    connection = in_transaction(connection)
    statement = insert_ignoring_conflict_statement(model.__table__, connection.dialect.name)
    return connection.execute(statement, values).first() is not None


@cache
def insert_ignoring_conflict_statement(table, dialect_name):
    """One statement per table, built once: the columns come from each call's values, and
    SQLAlchemy compiles each set of columns once."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    # A returned row is the portable way to learn whether the insert happened
    # (psycopg reports rowcount -1 for this statement).
    return dialect.insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)


campaigns = Campaign.__table__
#: The campaign an action is counted on, still live (on SQLite, migration 0008's trigger checks the same).
LIVE_CAMPAIGN = (campaigns.c.id == bindparam("counted_campaign"), campaigns.c.status == "live")
COUNT_ACTIONS = (
    campaigns.update().where(*LIVE_CAMPAIGN).values(action_count=campaigns.c.action_count + bindparam("added"))
)

#: Neither the campaign nor the partner (by code, which may name none) has changed since the
#: given revisions (on SQLite, the trigger of migration 0008 checks the same).
UNCHANGED_SINCE = (
    campaigns.c.revision == bindparam("campaign_revision"),
    select(Partner.revision).where(Partner.code == bindparam("partner")).scalar_subquery()
    .is_not_distinct_from(bindparam("partner_revision")),
)


@contextmanager
def connection_for_one_action():
    """A connection to write one supporter's action on; the caller commits when it is taken, and
    whatever it has not committed is rolled back at the end.

    On PostgreSQL each statement commits as it ends, and a signature is one statement there (see
    `record_signature`): the campaign's row, which every signer's count updates, is then locked
    only while the server runs that statement, and never while a worker's thread waits for its
    turn at Python's lock to send COMMIT. Under load that wait kept every other signer on the
    host waiting too (docs/performance.md). On a SQLite file, this thread's own connection
    (`own_sqlite_connection`); a database in memory lives in its pool's one connection, and
    stays there.
    """
    engine = db.engine
    if engine.dialect.name == "sqlite" and isinstance(engine.pool, QueuePool):
        with own_sqlite_connection(engine) as connection:
            yield connection
        return
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


class OwnConnections(threading.local):
    """Each thread's own SQLite connections, by the pool they were made beside."""

    def __init__(self):
        self.by_pool = weakref.WeakKeyDictionary()


_own = OwnConnections()


@contextmanager
def own_sqlite_connection(engine=None):
    """This thread's own sqlite3 connection to the engine's (else the app's) SQLite file, kept
    outside the pool, for the statements `run` sends straight to the driver. Whatever it has not
    committed is rolled back at the end, and sqlite3's errors are raised as SQLAlchemy raises them
    from the pool's connections, which is what the 503 page reads.

    Made by the engine as the pool makes its own (the same settings and the same writer queue:
    `tune_sqlite`, storage/writers.py), then detached from the pool. Under load, checking a
    connection out of the pool and in again, and SQLAlchemy's execution around one statement,
    cost a signature more than the statement itself (docs/performance.md). A SQLite connection
    is a file that stays open: there is nothing to ping or reconnect. It is closed when its
    pool goes (an engine disposed of makes a fresh one), and replaced if it cannot be rolled
    back or has been closed.
    """
    engine = engine if engine is not None else db.engine
    connection = _own.by_pool.get(engine.pool)
    if connection is None:
        pooled = engine.raw_connection()
        pooled.detach()
        connection = _own.by_pool[engine.pool] = pooled.dbapi_connection
        weakref.finalize(engine.pool, connection.close)
    try:
        yield connection
    except sqlite3.Error as error:
        raise as_sqlalchemy_error(error) from error
    finally:
        try:
            if connection.in_transaction:
                connection.rollback()
        except sqlite3.Error as error:  # closed, or unusable: the next use makes another
            _own.by_pool.pop(engine.pool, None)
            with suppress(sqlite3.Error):
                connection.close()
            raise as_sqlalchemy_error(error) from error


def run(connection, statement, values):
    """Run a statement on a SQLAlchemy connection, or on a sqlite3 connection of
    `own_sqlite_connection` with the values converted as SQLAlchemy converts them and its
    errors raised as SQLAlchemy's. The statement must be one built once (a module's constant):
    each is compiled for sqlite3 once and kept."""
    if not isinstance(connection, SQLiteConnection):
        return connection.execute(statement, values)
    sql, binds = for_sqlite3(statement)
    parameters = [values[name] if convert is None else convert(values[name]) for name, convert in binds]
    try:
        return connection.execute(sql, parameters)
    except sqlite3.Error as error:
        raise as_sqlalchemy_error(error, sql, parameters) from error


def as_sqlalchemy_error(error, statement=None, parameters=None):
    """A sqlite3 error as SQLAlchemy raises it from its own connections (parameters hidden: they
    are supporters' details, and error messages end up in logs)."""
    return DBAPIError.instance(statement, parameters, error, sqlite3.Error, hide_parameters=True, dialect=SQLITE)


@cache
def for_sqlite3(statement):
    """A statement as sqlite3 takes it, compiled once: its SQL, and for each of its `?` in turn,
    the value's name and how SQLAlchemy's SQLite dialect converts it (None: as it is)."""
    compiled = statement.compile(dialect=SQLITE)
    return str(compiled), tuple((name, compiled.binds[name].type.dialect_impl(SQLITE).bind_processor(SQLITE))
                                for name in compiled.positiontup)


SQLITE = sqlite.dialect()


def on_postgresql(connection):
    return not isinstance(connection, SQLiteConnection) and connection.dialect.name == "postgresql"


def count_actions(campaign_id, added, connection=None):
    """Add to a live campaign's count. False if the campaign is no longer live (closed since it
    was read): the caller rolls back.

    The same statement runs when adding 0, so a repeat takes as long as a first action.
    """
    counted = in_transaction(connection).execute(COUNT_ACTIONS, {"counted_campaign": campaign_id, "added": added})
    return counted.rowcount == 1
