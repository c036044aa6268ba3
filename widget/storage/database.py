"""The database binding: engine settings, the schema upgrade, and the insert that gives way to duplicates."""

import os
import random
import sqlite3
import threading
import weakref
from contextlib import contextmanager
from contextlib import suppress
from functools import cache
from pathlib import Path
from sqlite3 import Connection as SQLiteConnection

import psycopg
from flask_migrate import upgrade
from sqlalchemy import bindparam
from sqlalchemy import event
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from widget.extensions import db
from widget.extensions import migrate
from widget.storage.models import Campaign
from widget.storage.models import Partner
from widget.storage.models import uncounted_actions

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
    """Insert a row unless a unique key already holds one; True when the row was added. On the
    connection given (one of the thread's own too), else the session's.

    The database settles races between simultaneous inserts, so nothing is counted twice and
    no one gets an error page for a duplicate.
    """
    connection = in_transaction(connection)
    statement = insert_ignoring_conflict_statement(model.__table__, on_postgresql(connection))
    return run(connection, statement, values).fetchone() is not None


@cache
def insert_ignoring_conflict_statement(table, for_postgresql):
    """One statement per table, built once: through SQLAlchemy, the columns come from each call's
    values; straight to the driver (`run`), every column is bound, and must be given."""
    dialect = postgresql if for_postgresql else sqlite
    # A returned row is the portable way to learn whether the insert happened
    # (psycopg reports rowcount -1 for this statement).
    return dialect.insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)


campaigns = Campaign.__table__
#: The campaign an action is counted on, still live (on SQLite, migration 0008's trigger checks the same).
LIVE_CAMPAIGN = (campaigns.c.id == bindparam("counted_campaign"), campaigns.c.status == "live")
IS_LIVE = select(campaigns.c.id).where(*LIVE_CAMPAIGN)
#: One uncounted action, if the campaign is live and `added` is 1. A returned row says it was
#: written (psycopg reports rowcount -1 for an insert from a select).
COUNT_ACTION = uncounted_actions.insert().from_select(
    ["campaign_id"], select(campaigns.c.id).where(*LIVE_CAMPAIGN, bindparam("added") == 1),
).returning(uncounted_actions.c.campaign_id)

#: Neither the campaign nor the partner (by code, which may name none) has changed since the
#: given revisions (on SQLite, the trigger of migration 0008 checks the same).
UNCHANGED_SINCE = (
    campaigns.c.revision == bindparam("campaign_revision"),
    select(Partner.revision).where(Partner.code == bindparam("partner")).scalar_subquery()
    .is_not_distinct_from(bindparam("partner_revision")),
)


@contextmanager
def own_connection():
    """This thread's own connection to the database, straight to the driver (`run` sends
    statements to it), for what every supporter's request reads or writes. A write's caller
    commits when the action is taken, and whatever it has not committed is rolled back at the end.

    On a SQLite file, this thread's own sqlite3 connection (`own_sqlite_connection`); a database
    in memory lives in its pool's one connection, and stays there. On PostgreSQL, this thread's
    own psycopg connection, which commits each statement as it ends (`own_postgresql_connection`).
    Under load, checking a connection out of the pool and in again (on PostgreSQL with a ping, and
    a transaction begun and rolled back), and SQLAlchemy's execution around one statement, cost a
    request more than the statement itself (docs/performance.md).
    """
    engine = db.engine
    if engine.dialect.name == "sqlite" and isinstance(engine.pool, QueuePool):
        with own_sqlite_connection(engine) as connection:
            yield connection
    elif engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        with own_postgresql_connection(engine) as connection:
            yield connection
    else:
        with engine.connect() as connection:
            yield connection


def read_one(statement, values):
    """The first row a query finds, read on this thread's own connection. Reading is always safe
    to try again: a PostgreSQL connection found broken (the server restarted since it was made) is
    replaced and asked once more, as the pool's ping would have done."""
    try:
        with own_connection() as connection:
            return run(connection, statement, values).fetchone()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
    with own_connection() as connection:
        return run(connection, statement, values).fetchone()


class OwnConnections(threading.local):
    """Each thread's own driver connections, by the pool they were made beside."""

    def __init__(self):
        self.by_pool = weakref.WeakKeyDictionary()


_own = OwnConnections()


def own_driver_connection(engine):
    """This thread's own driver connection to the engine's database, and whether it was made just
    now. Made by the engine as its pool makes its own (the same settings and events), then
    detached from the pool; closed when that pool goes (an engine disposed of makes a fresh one)."""
    connection = _own.by_pool.get(engine.pool)
    if connection is not None:
        return connection, False
    driver_error = engine.dialect.loaded_dbapi.Error
    try:
        pooled = engine.raw_connection()
    except driver_error as error:  # raised as the pool raises it through SQLAlchemy's connections
        raise DBAPIError.instance(None, None, error, driver_error, dialect=engine.dialect) from error
    pooled.detach()
    connection = _own.by_pool[engine.pool] = pooled.dbapi_connection
    weakref.finalize(engine.pool, connection.close)
    return connection, True


def forget_own_connection(engine, connection, *driver_errors):
    """Close this thread's own connection and forget it: the next use makes another."""
    _own.by_pool.pop(engine.pool, None)
    with suppress(*driver_errors):
        connection.close()


@contextmanager
def own_sqlite_connection(engine=None):
    """This thread's own sqlite3 connection to the engine's (else the app's) SQLite file, for the
    statements `run` sends straight to the driver. Whatever it has not committed is rolled back at
    the end, and sqlite3's errors are raised as SQLAlchemy raises them from the pool's
    connections, which is what the 503 page reads.

    It takes the same writer queue as the pool's (storage/writers.py). A SQLite connection is a
    file that stays open: there is nothing to ping or reconnect. It is replaced if it cannot be
    rolled back or has been closed.
    """
    engine = engine if engine is not None else db.engine
    connection, _ = own_driver_connection(engine)
    try:
        yield connection
    except sqlite3.Error as error:
        raise as_sqlalchemy_error(error) from error
    finally:
        try:
            if connection.in_transaction:
                connection.rollback()
        except sqlite3.Error as error:  # closed, or unusable: the next use makes another
            forget_own_connection(engine, connection, sqlite3.Error)
            raise as_sqlalchemy_error(error) from error


@contextmanager
def own_postgresql_connection(engine=None):
    """This thread's own psycopg connection to the engine's (else the app's) database, committing
    each statement as it ends, for the statements `run` sends straight to the driver. Its errors
    are raised as SQLAlchemy raises them from the pool's connections.

    The pool pings a connection before handing it out; this one is not pinged, which would double
    the trips to the server. One found broken (the server restarted since, say) is closed and
    forgotten, and its error says `connection_invalidated` if the connection had worked before:
    the caller may then try again on the pool, whose ping reconnects (the action's one statement
    either ran whole or not at all). One that fails as it is made means the server is not
    answering.
    """
    engine = engine if engine is not None else db.engine
    connection, fresh = own_driver_connection(engine)
    if fresh:
        connection.autocommit = True
    try:
        yield connection
    except (psycopg.Error, DBAPIError) as error:
        cause = error.orig if isinstance(error, DBAPIError) else error
        if not connection.closed:  # a statement's own failure: the connection is fine
            if isinstance(error, DBAPIError):
                raise
            raise as_sqlalchemy_error(cause, dialect=POSTGRESQL) from error
        forget_own_connection(engine, connection, psycopg.Error)
        raise as_sqlalchemy_error(cause, dialect=POSTGRESQL, invalidated=not fresh) from error


def run(connection, statement, values):
    """Run a statement on a SQLAlchemy connection, or on a driver connection of
    `own_sqlite_connection` or `own_postgresql_connection`, with the values converted as
    SQLAlchemy converts them and its errors raised as SQLAlchemy's. The statement must be one built
    once (a module's constant, or kept by `functools.cache`): each is compiled for the driver once
    and kept. Returns what the connection returns (a cursor, or SQLAlchemy's result), which
    either way has `fetchone`."""
    if isinstance(connection, SQLiteConnection):
        sql, binds = for_sqlite3(statement)
        parameters = [values[name] if convert is None else convert(values[name]) for name, convert in binds]
        try:
            return connection.execute(sql, parameters)
        except sqlite3.Error as error:
            raise as_sqlalchemy_error(error, sql, parameters) from error
    if isinstance(connection, psycopg.Connection):
        sql, binds = for_psycopg(statement)
        parameters = {}
        for placeholder, name, fixed, convert in binds:
            value = values[name] if name is not None else fixed
            parameters[placeholder] = value if convert is None else convert(value)
        try:
            return connection.execute(sql, parameters)
        except psycopg.Error as error:
            raise as_sqlalchemy_error(error, sql, parameters, dialect=POSTGRESQL) from error
    return connection.execute(statement, values)


def as_sqlalchemy_error(error, statement=None, parameters=None, dialect=None, invalidated=False):
    """A driver's error as SQLAlchemy raises it from its own connections (parameters hidden: they
    are supporters' details, and error messages end up in logs)."""
    dialect = dialect if dialect is not None else SQLITE
    driver_error = psycopg.Error if dialect is POSTGRESQL else sqlite3.Error
    return DBAPIError.instance(statement, parameters, error, driver_error, hide_parameters=True, dialect=dialect,
                               connection_invalidated=invalidated)


@cache
def for_sqlite3(statement):
    """A statement as sqlite3 takes it, compiled once: its SQL, and for each of its `?` in turn,
    the value's name and how SQLAlchemy's SQLite dialect converts it (None: as it is)."""
    compiled = statement.compile(dialect=SQLITE)
    return str(compiled), tuple((name, compiled.binds[name].type.dialect_impl(SQLITE).bind_processor(SQLITE))
                                for name in compiled.positiontup)


@cache
def for_psycopg(statement):
    """A statement as psycopg takes it, compiled once: its SQL, and for each named placeholder,
    the value's name (None for a value the statement carries itself, such as a status it
    compares with), that value, and how SQLAlchemy's psycopg dialect converts it (None: as it is)."""
    compiled = statement.compile(dialect=POSTGRESQL)
    placeholders = compiled.escaped_bind_names
    binds = []
    for bind, name in compiled.bind_names.items():
        given = None if bind.unique else name  # SQLAlchemy names each of the statement's own values uniquely
        binds.append((placeholders.get(name, name), given, bind.value,
                      bind.type.dialect_impl(POSTGRESQL).bind_processor(POSTGRESQL)))
    return str(compiled), tuple(binds)


SQLITE = sqlite.dialect()
POSTGRESQL = postgresql_psycopg.dialect()


def on_postgresql(connection):
    if isinstance(connection, psycopg.Connection):
        return True
    return not isinstance(connection, SQLiteConnection) and connection.dialect.name == "postgresql"


def count_actions(campaign_id, added, connection=None):
    """Count `added` (1, or 0 for a repeat) more actions on a live campaign. False if the campaign
    is no longer live (closed since it was read): the caller rolls back.

    The same statements run when adding 0, so a repeat takes as long as a first action.
    """
    connection = in_transaction(connection)
    values = {"counted_campaign": campaign_id, "added": added}
    counted = connection.execute(COUNT_ACTION, values).first() is not None
    live = connection.execute(IS_LIVE, values).first() is not None
    fold_now_and_then(connection, campaign_id)
    return counted if added else live


#: One action in this many also adds its campaign's uncounted actions to its count, so that few
#: are ever waiting (64 on average on a busy campaign), and reading a count stays quick.
FOLD_ONE_IN = 64

#: A campaign's uncounted actions, deleted (on PostgreSQL, inside WITH), or counted.
DELETE_UNCOUNTED = uncounted_actions.delete().where(uncounted_actions.c.campaign_id == bindparam("counted_campaign"))
folded = DELETE_UNCOUNTED.returning(uncounted_actions.c.campaign_id).cte("folded")
#: PostgreSQL: the campaign's uncounted actions deleted and their number added to its row, in one
#: statement. A fold running at the same moment waits for the rows this one deletes, then finds
#: them gone: each action is added once.
FOLD_ON_POSTGRESQL = (
    campaigns.update()
    .where(campaigns.c.id == bindparam("counted_campaign"), exists(folded.select()))
    .values(counted_actions=campaigns.c.counted_actions + select(func.count()).select_from(folded).scalar_subquery())
)
#: SQLite, which has no deletes inside WITH: the same in two statements, in the writer's transaction.
FOLD_ON_SQLITE = (
    campaigns.update()
    .where(campaigns.c.id == bindparam("counted_campaign"))
    .values(counted_actions=campaigns.c.counted_actions + select(func.count()).where(
        uncounted_actions.c.campaign_id == bindparam("counted_campaign")).scalar_subquery()),
    DELETE_UNCOUNTED,
)


def fold_uncounted_actions(connection, campaign_id):
    """Add a campaign's uncounted actions to its count (`Campaign.counted_actions`), in the
    connection's transaction (else, on a connection that commits each statement, in one)."""
    values = {"counted_campaign": campaign_id}
    if on_postgresql(connection):
        run(connection, FOLD_ON_POSTGRESQL, values)
        return
    for statement in FOLD_ON_SQLITE:
        run(connection, statement, values)


def fold_now_and_then(connection, campaign_id):
    """After an action is counted: one time in FOLD_ONE_IN, fold the campaign's uncounted actions."""
    if random.randrange(FOLD_ONE_IN) == 0:  # a chance, not a secret: no system call needed
        fold_uncounted_actions(connection, campaign_id)
