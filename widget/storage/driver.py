"""Each thread's own connection to the database driver, and the statements sent straight to it.

A supporter's request reads its campaign's state (a call's steps, at most once a moment), and a
signature or a call start writes, on a connection the thread keeps for itself, outside
SQLAlchemy's pool and execution: under load, checking a connection out of the pool and in again
(on PostgreSQL with a ping, and a transaction begun and ended), and SQLAlchemy's execution around
one statement, cost a request more than the statement itself (docs/performance.md). The
statements are SQLAlchemy's own, compiled once for the driver, with SQLAlchemy's conversions of
values, and the driver's errors are raised as SQLAlchemy raises them from its own connections,
which is what the 503 page reads.
"""

import atexit
import sqlite3
import threading
import weakref
from contextlib import contextmanager
from contextlib import suppress
from functools import cache
from sqlite3 import Connection as SQLiteConnection

import psycopg
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from widget.extensions import db


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


class OwnConnection:
    """One thread's own driver connection, made beside one pool. Closed when the thread ends, or
    when it is forgotten; when that pool goes (an engine disposed of makes a fresh pool, and fresh
    connections), it is handed back to its thread to close (`hand_back`)."""

    def __init__(self, connection, pool, connections):
        self.connection = connection
        #: Called by itself when the pool goes, in whichever thread lets go of the pool.
        self.on_pool_gone = weakref.finalize(pool, hand_back, connection, connections.retired)

    def close(self):
        """Close it now: from its own thread, or once that thread has ended."""
        self.on_pool_gone.detach()
        close_quietly(self.connection)


def hand_back(connection, retired):
    """A thread's connection whose pool has gone, handed back to its thread (`ThreadConnections`),
    which closes it. Not closed here: the pool goes in whichever thread lets go of it last, such
    as one disposing of the engine while requests run, and the owner may be in the middle of a
    statement on it; closing a connection under a running statement crashes sqlite3 (a
    segmentation fault, CPython 3.11)."""
    retired.append(connection)


def close_quietly(connection):
    with suppress(Exception):  # whatever state it is in, it is given up
        connection.close()


class ThreadConnections:
    """A thread's own connections, by the pool each was made beside, and those whose pool has gone
    (`hand_back`). The thread closes the latter itself when it next takes a connection while using
    none, and all of them once it has ended and this is gone with it (a server that starts a thread
    per request leaves no connection open behind each one)."""

    def __init__(self):
        self.by_pool = weakref.WeakKeyDictionary()
        self.retired = []
        #: How many of this thread's `own_driver_connection` blocks are open (they may nest).
        self.in_use = 0
        # Not at the interpreter's exit: other threads may still be running statements then (the
        # process's end closes their connections); the main thread closes its own (`atexit` below).
        weakref.finalize(self, close_all_own_connections, self.by_pool, self.retired).atexit = False

    def close_retired(self):
        """Close the connections whose pool has gone; only while this thread is using none."""
        while self.retired:
            close_quietly(self.retired.pop())


def close_all_own_connections(by_pool, retired):
    """Every connection of a thread that has ended."""
    for own in list(by_pool.values()):
        own.close()
    for connection in retired:
        close_quietly(connection)


class OwnConnections(threading.local):
    def __init__(self):
        self.connections = ThreadConnections()


_own = OwnConnections()


@atexit.register
def close_own_connections_at_exit():
    """The thread the interpreter exits in closes its own connections, as it would had it ended."""
    connections = _own.connections
    close_all_own_connections(connections.by_pool, connections.retired)


@contextmanager
def own_driver_connection(engine):
    """This thread's own driver connection to the engine's database, and whether it was made just
    now, for the block's length. Entering the first block, the thread closes its connections whose
    pool went meanwhile."""
    connections = _own.connections
    if connections.in_use == 0:
        connections.close_retired()
    own = connections.by_pool.get(engine.pool)
    fresh = own is None
    if fresh:
        own = connections.by_pool[engine.pool] = OwnConnection(detached_connection(engine), engine.pool, connections)
    connections.in_use += 1
    try:
        yield own.connection, fresh
    finally:
        connections.in_use -= 1


def detached_connection(engine):
    """A driver connection made by the engine's pool (its settings and events), then detached."""
    try:
        pooled = engine.raw_connection()
    except engine.dialect.loaded_dbapi.Error as error:  # raised as the pool raises it through SQLAlchemy's
        raise as_sqlalchemy_error(error, dialect=engine.dialect) from error
    pooled.detach()
    return pooled.dbapi_connection


def forget_own_connection(engine):
    """Close this thread's own connection and forget it: the next use makes another."""
    own = _own.connections.by_pool.pop(engine.pool, None)
    if own is not None:
        own.close()


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
    with own_driver_connection(engine) as (connection, _):
        try:
            yield connection
        except sqlite3.Error as error:
            raise as_sqlalchemy_error(error) from error
        finally:
            try:
                if connection.in_transaction:
                    connection.rollback()
            except sqlite3.Error as error:  # closed, or unusable: the next use makes another
                forget_own_connection(engine)
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
    with own_driver_connection(engine) as (connection, fresh):
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
            forget_own_connection(engine)
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
        parameters = []
        for name, fixed, convert in binds:
            value = values[name] if name is not None else fixed
            parameters.append(value if convert is None else convert(value))
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
    driver_error = psycopg.Error if dialect.name == "postgresql" else sqlite3.Error
    return DBAPIError.instance(statement, parameters, error, driver_error, hide_parameters=True, dialect=dialect,
                               connection_invalidated=invalidated)


@cache
def for_sqlite3(statement):
    """A statement as sqlite3 takes it, compiled once: its SQL, and for each of its `?` in turn,
    the value's name (None for a value the statement carries itself, such as a status it compares
    with), that value, and how SQLAlchemy's SQLite dialect converts it (None: as it is)."""
    compiled = statement.compile(dialect=SQLITE)
    return str(compiled), tuple(bound_value(compiled.binds[name], name, SQLITE) for name in compiled.positiontup)


@cache
def for_psycopg(statement):
    """A statement as psycopg takes it, compiled once: its SQL, and for each named placeholder,
    the value's name (None for a value the statement carries itself, such as a status it
    compares with), that value, and how SQLAlchemy's psycopg dialect converts it (None: as it is)."""
    compiled = statement.compile(dialect=POSTGRESQL)
    placeholders = compiled.escaped_bind_names
    return str(compiled), tuple((placeholders.get(name, name), *bound_value(bind, name, POSTGRESQL))
                                for bind, name in compiled.bind_names.items())


def bound_value(bind, name, dialect):
    """One of a compiled statement's values: the name it is given by (None for a value the
    statement carries itself), that value, and the dialect's conversion of it (None: as it is)."""
    given = None if bind.unique else name  # SQLAlchemy names each of the statement's own values uniquely
    return given, bind.value, bind.type.dialect_impl(dialect).bind_processor(dialect)


SQLITE = sqlite.dialect()
POSTGRESQL = postgresql_psycopg.dialect()


def on_postgresql(connection):
    if isinstance(connection, psycopg.Connection):
        return True
    return not isinstance(connection, SQLiteConnection) and connection.dialect.name == "postgresql"
