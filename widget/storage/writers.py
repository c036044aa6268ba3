"""SQLite writers queued by the kernel instead of by SQLite's sleep-and-retry.

SQLite lets one connection write at a time. A connection that finds the file locked sleeps and
tries again (1, 2, 5, 10 … 100 ms), however soon the lock is freed: with a few workers signing
at once, most of the wait is sleep after the writer has gone. Under load that was most of a
submission's latency (a p99 near a second) and left the processor idle.

Here a connection takes the host's writer lock (a thread lock in the process, then `flock` on a
file beside the database, which the kernel hands to the next waiter the moment it is let go) just
before its first write, and lets it go when its transaction ends. Reads take nothing: in WAL mode
they never wait for a writer. A process that dies holding the lock loses it with its file.
Writers that do not take it (the `sqlite3` shell, another program) are still met by SQLite's
own lock and its busy timeout, as before.
"""

import fcntl
import logging
import os
import sqlite3
import threading

log = logging.getLogger(__name__)

#: Statements that never write: the rest (INSERT, UPDATE, DELETE, DDL…) take the writer lock.
READ_ONLY = ("SELECT", "PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE", "EXPLAIN")


class WriterLock:
    """One database file's writers on this host: a thread at a time in a process, then a
    process at a time on the host."""

    def __init__(self, path, timeout):
        self.lock_path = f"{path}-writer.lock"
        self.timeout = timeout
        self.in_process = threading.Lock()
        self.file = None
        self.opened_by = None

    def acquire(self):
        # The same "database is locked" as SQLite's own, so callers see one kind of failure.
        if not self.in_process.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked")
        try:
            if self.lock_file() is not None:
                fcntl.flock(self.file, fcntl.LOCK_EX)
        except BaseException:
            self.in_process.release()
            raise

    def release(self):
        try:
            if self.file is not None:
                fcntl.flock(self.file, fcntl.LOCK_UN)
        finally:
            self.in_process.release()

    def lock_file(self):
        """This process's own open file (a lock taken through a file inherited across a fork
        would be shared with the parent); None if there can be none (a read-only folder), and
        SQLite's own lock is the only one, as without this module."""
        if self.opened_by != os.getpid():
            self.opened_by = os.getpid()
            try:
                self.file = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as error:
                log.warning("no writer lock file at %s (%s): SQLite's own lock alone queues writers",
                            self.lock_path, error.strerror)
                self.file = None
        return self.file


_locks = {}
_locks_guard = threading.Lock()


def writer_lock(database, timeout):
    """The lock shared by every connection of this process to the file; None for a database in
    memory, which no other connection can write."""
    if database in ("", ":memory:") or "mode=memory" in database:
        return None
    path = os.path.realpath(database.removeprefix("file:").split("?")[0])
    with _locks_guard:
        return _locks.setdefault(path, WriterLock(path, timeout))


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection whose writes wait for the host's writer lock (pass it as `factory`)."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self.writers = writer_lock(os.fspath(database), kwargs.get("timeout", 5.0))
        self.holding = False

    def cursor(self, factory=None):
        return super().cursor(factory or QueuedWriterCursor)

    def commit(self):
        try:
            super().commit()
        finally:
            self.let_go()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self.let_go()

    def close(self):
        try:
            super().close()
        finally:
            self.let_go()

    def before(self, statement):
        if not self.holding and self.writers is not None and not statement.lstrip()[:9].upper().startswith(READ_ONLY):
            self.writers.acquire()
            self.holding = True

    def after(self):
        """A write outside a transaction (autocommit, DDL) is over as soon as it has run."""
        if self.holding and not self.in_transaction:
            self.let_go()

    def let_go(self):
        if self.holding:
            self.holding = False
            self.writers.release()


class QueuedWriterCursor(sqlite3.Cursor):
    def execute(self, statement, parameters=(), /):
        self.connection.before(statement)
        try:
            return super().execute(statement, parameters)
        finally:
            self.connection.after()

    def executemany(self, statement, parameters, /):
        self.connection.before(statement)
        try:
            return super().executemany(statement, parameters)
        finally:
            self.connection.after()

    def executescript(self, script, /):
        # A script commits what came before it and runs in no transaction of its own.
        self.connection.before(script)
        try:
            return super().executescript(script)
        finally:
            self.connection.after()
