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

Waiting is bounded as before for all but one thread per process: the others wait for the thread
lock at most the connection's timeout, then get SQLite's own "database is locked". The one thread
waiting on `flock` waits as long as the holder writes; a holder that never finishes would hold
SQLite's own lock as long, so no write could go ahead anyway, and reads carry on meanwhile.
"""

import fcntl
import logging
import os
import re
import sqlite3
import threading
import weakref

log = logging.getLogger(__name__)

#: Statements that take no writer lock. Everything else (INSERT, UPDATE, DELETE, DDL, BEGIN
#: IMMEDIATE, any script) takes it. PRAGMAs never do: each new connection sets its own, and one
#: opened by a thread already writing must not wait for itself; the few that write the file
#: (none of ours) meet SQLite's own lock.
READ_ONLY = re.compile(
    r"\s*((SELECT|EXPLAIN|PRAGMA|SAVEPOINT|RELEASE|COMMIT|END|ROLLBACK)\b"
    r"|BEGIN(\s+(DEFERRED|TRANSACTION)\b|\s*;?\s*$))",
    re.IGNORECASE,
)


def writes(statement):
    return READ_ONLY.match(statement) is None


class WriterLock:
    """One database file's writers on this host: a thread at a time in a process, then a
    process at a time on the host."""

    def __init__(self, path):
        self.lock_path = f"{path}-writer.lock"
        self.in_process = threading.Lock()
        self.file = None
        self.opened_by = None

    def acquire(self, timeout):
        # The same "database is locked" as SQLite's own, so callers see one kind of failure.
        if not self.in_process.acquire(timeout=timeout):
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
        would be shared with the parent); None if there can be none (a folder the service may
        not write in, a file another user made), and SQLite's own lock alone keeps writers apart."""
        if self.opened_by != os.getpid():
            self.opened_by = os.getpid()
            try:
                # Readable and writable by whoever may write the database (the umask decides).
                self.file = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as error:
                log.warning("no writer lock file at %s (%s): SQLite's own lock alone queues writers",
                            self.lock_path, error.strerror)
                self.file = None
        return self.file

    # The functions are bound here, not looked up in `os` when called: a lock freed as the
    # interpreter exits may find this module's globals already cleared.
    def __del__(self, getpid=os.getpid, close=os.close):
        if self.file is not None and self.opened_by == getpid():
            close(self.file)


#: Kept while a connection to the file is open: a test run opens hundreds of files.
_locks = weakref.WeakValueDictionary()
_locks_guard = threading.Lock()
# A lock held by another thread when a process forks stays held in the child: start afresh.
os.register_at_fork(after_in_child=_locks.clear)


def writer_lock(database):
    """The lock shared by every connection of this process to the file; None for a database in
    memory, which no other connection can write."""
    path = database.removeprefix("file:").split("?")[0]
    if path in ("", ":memory:") or "mode=memory" in database:
        return None
    path = os.path.realpath(path)
    with _locks_guard:
        lock = _locks.get(path)
        if lock is None:
            lock = _locks[path] = WriterLock(path)
        return lock


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection whose writes wait for the host's writer lock (pass it as `factory`)."""

    def __init__(self, database, *args, **kwargs):
        self.holding = False
        self.writers = None
        super().__init__(database, *args, **kwargs)
        self.writers = writer_lock(os.fspath(database))
        #: As long as SQLite's own busy timeout (sqlite3's default, 5 s, unless given).
        self.timeout = kwargs.get("timeout", 5.0)

    def cursor(self, factory=None):
        return super().cursor(factory or QueuedWriterCursor)

    # The connection's own shortcuts go through a cursor, so they queue too.
    def execute(self, statement, parameters=(), /):
        return self.cursor().execute(statement, parameters)

    def executemany(self, statement, parameters, /):
        return self.cursor().executemany(statement, parameters)

    def executescript(self, script, /):
        return self.cursor().executescript(script)

    def commit(self):
        try:
            super().commit()
        except BaseException:
            # SQLite may leave a transaction whose commit failed (a key checked at commit, a full
            # disk, a lock) open, while SQLAlchemy takes any failed commit as the end of it, as it
            # is on PostgreSQL, and hands the connection on without rolling back. End it here:
            # nothing it wrote lingers, and the writer lock is let go (rollback lets go whatever
            # happens). The caller hears of the commit's failure, not of the rollback's.
            try:
                self.rollback()
            except Exception:  # noqa: BLE001 - the commit's own error is the one to report
                log.warning("rolling back after a failed commit failed too", exc_info=True)
            raise
        finally:
            self.after()

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

    def __del__(self):
        # SQLite lets go of its own lock when a connection is freed unclosed; so must this.
        self.let_go()

    def queue(self):
        if not self.holding and self.writers is not None:
            self.writers.acquire(self.timeout)
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
        return self.queued(statement, super().execute, statement, parameters)

    def executemany(self, statement, parameters, /):
        return self.queued(statement, super().executemany, statement, parameters)

    def executescript(self, script, /):
        # A script may hold any statement after its first: it always takes the lock.
        return self.queued(None, super().executescript, script)

    def queued(self, statement, run, *arguments):
        """Run a statement (None: whatever it is, as a write) in the writers' queue if it writes."""
        connection = self.connection
        if statement is None or writes(statement):
            connection.queue()
        try:
            return run(*arguments)
        finally:
            connection.after()
