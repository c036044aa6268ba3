"""The schema is managed by migrations that match the models; `setup` is safe on every start."""

import fcntl
import gc
import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from sqlalchemy import create_engine
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import ProgrammingError

from tests.conftest import DEMO_SLUGS
from tests.conftest import POSTGRES_SERVER
from tests.conftest import close_database
from tests.conftest import empty_postgres
from tests.conftest import make_app
from tests.servers import wait_until
from widget.config import engine_options
from widget.config import normalize_database_url
from widget.errors import is_outage
from widget.extensions import db
from widget.forms import email_key
from widget.security.form_token import FORGET_EXPIRED
from widget.security.keys import derived_key
from widget.storage.database import MIGRATIONS_DIR
from widget.storage.database import upgrade_schema
from widget.storage.driver import own_connection
from widget.storage.driver import own_postgresql_connection
from widget.storage.driver import own_sqlite_connection
from widget.storage.driver import run
from widget.storage.models import Campaign
from widget.storage.models import SpentFormToken
from widget.storage.models import signature_writes
from widget.storage.models import utcnow
from widget.storage.writers import QueuedWriterConnection
from widget.storage.writers import writer_lock


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A database with nothing in it at all, as on a first install."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    server = make_url(normalize_database_url(POSTGRES_SERVER))
    name = f"megafono_fresh_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_setup_creates_everything_then_is_a_no_op(empty_database_url):
    app = make_app(empty_database_url)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    assert f"Campaigns created: {', '.join(DEMO_SLUGS)}" in first.output
    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0, second.output
    assert f"Campaigns unchanged: {', '.join(DEMO_SLUGS)}" in second.output
    with app.app_context():
        assert set(db.session.scalars(select(Campaign.slug))) == set(DEMO_SLUGS)
        tables = set(inspect(db.engine).get_table_names())
        assert {"campaigns", "signatures", "partners", "call_reports", "spent_form_tokens", "alembic_version"} <= tables
    close_database(app)


def test_the_migrations_build_exactly_the_schema_the_models_describe(empty_database_url):
    app = make_app(empty_database_url)
    assert app.test_cli_runner().invoke(args=["setup"]).exit_code == 0
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata
        )
        views = {name: [column["name"] for column in inspect(connection).get_columns(name)]
                 for name in inspect(connection).get_view_names()}
        dialect = connection.dialect.name
    close_database(app)
    assert differences == []
    # SQLite's one-statement signature: the view takes exactly what `record_signature` gives it.
    assert views == ({"signature_writes": list(signature_writes.columns.keys())} if dialect == "sqlite" else {})


def test_an_actions_key_to_its_campaign_is_checked_at_commit_and_follows_a_deleted_campaign(empty_database_url):
    app = make_app(empty_database_url)
    assert app.test_cli_runner().invoke(args=["setup"]).exit_code == 0
    insert = text("INSERT INTO signatures (campaign_id, email_key, language, opted_in, consented, created_at)"
                  " VALUES (:campaign, :key, 'es', false, false, CURRENT_TIMESTAMP)")
    with app.app_context():
        campaign = db.session.scalar(select(Campaign.id).where(Campaign.slug == "demo-petition"))
        db.session.remove()
        with db.engine.connect() as connection:
            # Deferred: the insert goes ahead, and the commit refuses the whole transaction.
            connection.execute(insert, {"campaign": campaign, "key": "kept-apart"})
            connection.execute(insert, {"campaign": 999_999, "key": "no-such-campaign"})
            with pytest.raises(IntegrityError):
                connection.commit()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM signatures")).scalar() == 0
            connection.execute(insert, {"campaign": campaign, "key": "kept"})
            connection.commit()
            connection.execute(text("DELETE FROM campaigns WHERE id = :campaign"), {"campaign": campaign})
            connection.commit()
            assert connection.execute(text("SELECT count(*) FROM signatures")).scalar() == 0
            other = connection.execute(text("SELECT min(id) FROM campaigns")).scalar()
            connection.execute(insert, {"campaign": other, "key": "kept-through-migrations"})
            connection.commit()
        # The migration that deferred the keys can be undone and done again, keeping what is stored.
        assert campaign_key_options() == {"ondelete": "CASCADE", "deferrable": True, "initially": "DEFERRED"}
        downgrade(directory=str(MIGRATIONS_DIR), revision="0006")
        assert campaign_key_options() == {"ondelete": "CASCADE"}
        upgrade_schema()
        assert campaign_key_options() == {"ondelete": "CASCADE", "deferrable": True, "initially": "DEFERRED"}
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT email_key FROM signatures")).scalars().all() == [
                "kept-through-migrations"]
    close_database(app)


def test_the_deferred_key_migration_on_sqlite_drops_orphans_and_a_copy_left_by_a_stopped_run(tmp_path):
    database = tmp_path / "upgraded.sqlite3"
    app = make_app(f"sqlite:///{database}")
    assert app.test_cli_runner().invoke(args=["setup"]).exit_code == 0
    with app.app_context():
        downgrade(directory=str(MIGRATIONS_DIR), revision="0006")
        db.engine.dispose()
        # As the sqlite3 shell would leave it: foreign keys off, a campaign deleted, its signature kept.
        with sqlite3.connect(database) as shell:
            campaigns = [row[0] for row in shell.execute("SELECT id FROM campaigns ORDER BY id")]
            for campaign, key in ((campaigns[0], "orphan"), (campaigns[1], "kept")):
                shell.execute("INSERT INTO signatures (campaign_id, email_key, language, opted_in, consented,"
                              " created_at) VALUES (?, ?, 'es', 0, 0, CURRENT_TIMESTAMP)", (campaign, key))
            shell.execute("DELETE FROM campaigns WHERE id = ?", (campaigns[0],))
            shell.execute("CREATE TABLE _alembic_tmp_signatures (id INTEGER)")  # a stopped run's copy
        shell.close()
        upgrade_schema()
        assert campaign_key_options() == {"ondelete": "CASCADE", "deferrable": True, "initially": "DEFERRED"}
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT email_key FROM signatures")).scalars().all() == ["kept"]
    close_database(app)


def test_counting_without_updating_campaigns_can_be_undone_and_done_again_keeping_every_count(empty_database_url):
    """Migration 0009 undone adds every uncounted action to its campaign's row; done again, actions
    are counted as uncounted rows again (on SQLite, by the trigger made anew)."""
    app = make_app(empty_database_url)
    assert app.test_cli_runner().invoke(args=["setup"]).exit_code == 0
    with app.app_context():
        campaign = db.session.scalar(select(Campaign.id).where(Campaign.slug == "demo-petition"))
        db.session.remove()
        uncounted = text("INSERT INTO uncounted_actions (campaign_id) VALUES (:id)")
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE campaigns SET action_count = 5 WHERE id = :id"), {"id": campaign})
            connection.execute(uncounted, [{"id": campaign}, {"id": campaign}])
        downgrade(directory=str(MIGRATIONS_DIR), revision="0008")
        counted = text("SELECT action_count FROM campaigns WHERE id = :id")
        with db.engine.begin() as connection:
            assert connection.execute(counted, {"id": campaign}).scalar() == 7
            if signed_through_view(connection, campaign, "before"):
                assert connection.execute(counted, {"id": campaign}).scalar() == 8
        upgrade_schema()
        with db.engine.begin() as connection:
            before = connection.execute(counted, {"id": campaign}).scalar()
            if not signed_through_view(connection, campaign, "after"):
                connection.execute(uncounted, {"id": campaign})
            assert connection.execute(counted, {"id": campaign}).scalar() == before
        assert db.session.scalar(select(Campaign.action_count).where(Campaign.id == campaign)) == before + 1
    close_database(app)


def test_migration_0010_goes_down_and_up_keeping_each_campaigns_status(empty_database_url):
    app = make_app(empty_database_url)
    assert app.test_cli_runner().invoke(args=["setup"]).exit_code == 0
    assert app.test_cli_runner().invoke(args=["campaigns", "close", "demo-petition"]).exit_code == 0
    with app.app_context():
        db.session.remove()
        downgrade(directory=str(MIGRATIONS_DIR), revision="0009")
        assert "filed_status" not in {column["name"] for column in inspect(db.engine).get_columns("campaigns")}
        upgrade_schema()
        result = app.test_cli_runner().invoke(args=["setup"])
        assert result.exit_code == 0, result.output
        statuses = dict(db.session.execute(select(Campaign.slug, Campaign.status)).all())
        filed = dict(db.session.execute(select(Campaign.slug, Campaign.filed_status)).all())
    assert statuses["demo-petition"] == "closed" and statuses["demo-call"] == "live"
    assert set(filed.values()) == {"live"}
    close_database(app)


def test_migration_0011_keys_again_only_the_addresses_that_folding_changed(empty_database_url):
    app = make_app(empty_database_url)
    assert app.test_cli_runner().invoke(args=["setup"]).exit_code == 0
    addresses = ["ana@straße.de", "ana@strasse.de", "Bob@Example.org", "zoë@example.org"]
    with app.app_context():
        db.session.remove()
        downgrade(directory=str(MIGRATIONS_DIR), revision="0010")
        # As releases before it keyed them: the address case-folded.
        folded = {address: hmac.new(derived_key("email-key"), address.casefold().encode(), hashlib.sha256).hexdigest()
                  for address in addresses}
        campaigns = db.session.scalars(select(Campaign.id).order_by(Campaign.id)).all()[:2]
        insert = text("INSERT INTO signatures (campaign_id, email, email_key, language, opted_in, consented,"
                      " created_at) VALUES (:campaign, :email, :key, 'es', false, false, CURRENT_TIMESTAMP)")
        # The two people who shared a key, on two campaigns (on one, the second could not sign).
        on = [campaigns[0], campaigns[1], campaigns[0], campaigns[0]]
        with db.engine.begin() as connection:
            for campaign, address in zip(on, addresses, strict=True):
                connection.execute(insert, {"campaign": campaign, "email": address, "key": folded[address]})
        upgrade_schema()
        stored = dict(db.session.execute(text("SELECT email, email_key FROM signatures")).all())
        assert stored == {address: email_key(address) for address in addresses}
    assert stored["ana@straße.de"] != folded["ana@straße.de"]  # keyed again: no longer ana@strasse.de's
    assert all(stored[address] == folded[address] for address in ("ana@strasse.de", "Bob@Example.org"))
    close_database(app)


def signed_through_view(connection, campaign, nonce):
    """On SQLite, a signature as `record_signature` writes it there (its trigger counts it); False
    on PostgreSQL, which has no such view."""
    if connection.dialect.name != "sqlite":
        return False
    connection.execute(signature_writes.insert(), {
        "nonce": nonce, "expires_at": utcnow(), "checks_revisions": False, "campaign_id": campaign,
        "email_key": nonce, "language": "es", "opted_in": False, "consented": False, "created_at": utcnow()})
    return True


def campaign_key_options():
    """How the key from signatures to campaigns is enforced, as the database reports it."""
    (key,) = inspect(db.engine).get_foreign_keys("signatures")
    return {name: value for name, value in key["options"].items() if value not in (None, False)}


def test_setup_refuses_a_broken_campaign_folder_without_loading_anything(empty_database_url, tmp_path):
    (tmp_path / "broken.yaml").write_text("slug: broken\nkind: petition\n")
    app = make_app(empty_database_url, CAMPAIGNS_DIR=str(tmp_path))
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 1
    assert "broken.yaml: default_language: is required" in result.output
    with app.app_context():
        assert db.session.query(Campaign).count() == 0
    close_database(app)


@pytest.fixture
def queued_sqlite(tmp_path):
    """An engine on a SQLite file with the app's settings, a table, and a hand on the host's
    writer lock as another process would take it (flock locks belong to each opened file)."""
    url = f"sqlite:///{tmp_path / 'queued.sqlite3'}"
    engine = create_engine(url, **engine_options(url))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT UNIQUE)"))
    lock = os.open(tmp_path / "queued.sqlite3-writer.lock", os.O_RDWR)
    yield engine, lock
    os.close(lock)
    engine.dispose()


def lock_is_free(lock):
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(lock, fcntl.LOCK_UN)
    return True


def test_sqlite_writers_wait_their_turn_on_the_host_lock_and_readers_never_do(queued_sqlite):
    engine, lock = queued_sqlite
    fcntl.flock(lock, fcntl.LOCK_EX)  # another process is writing

    def write():
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO notes (body) VALUES ('queued')"))

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    queue = writer_lock(str(engine.url.database))
    wait_until(queue.in_process.locked, timeout=10, what="the writer reaching the lock")
    writer.join(timeout=0.3)
    assert writer.is_alive(), "the write went ahead while another process held the lock"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM notes")).scalar() == 0
    fcntl.flock(lock, fcntl.LOCK_UN)
    writer.join(timeout=5)
    assert not writer.is_alive()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT body FROM notes")).scalars().all() == ["queued"]
    assert lock_is_free(lock)


def test_sqlite_writers_let_go_of_the_lock_however_their_transaction_ends(queued_sqlite):
    engine, lock = queued_sqlite
    insert = text("INSERT INTO notes (body) VALUES ('once')")
    with engine.connect() as connection:
        connection.execute(insert)
        assert not lock_is_free(lock)
        connection.commit()
        assert lock_is_free(lock)
        with pytest.raises(IntegrityError):
            connection.execute(insert)
        assert not lock_is_free(lock)
        connection.rollback()
        assert lock_is_free(lock)
        connection.execute(text("DELETE FROM notes"))
    assert lock_is_free(lock)  # given back to the pool in the middle of a transaction: rolled back
    with engine.connect() as connection:
        connection.execute(text("CREATE INDEX notes_body ON notes (body)"))  # no transaction to wait for
        assert lock_is_free(lock)
        connection.execute(text("SELECT * FROM notes"))
        assert lock_is_free(lock)
    assert writer_lock(":memory:") is None and writer_lock("file::memory:?cache=shared") is None


def test_sqlite_writers_whose_commit_fails_roll_back_and_let_go(queued_sqlite):
    engine, lock = queued_sqlite
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE replies (id INTEGER PRIMARY KEY, note_id INTEGER"
                                " REFERENCES notes (id) DEFERRABLE INITIALLY DEFERRED)"))
        connection.execute(text("INSERT INTO replies (note_id) VALUES (404)"))
        assert not lock_is_free(lock)
        with pytest.raises(IntegrityError):
            connection.commit()
        assert lock_is_free(lock)
        assert not connection.connection.dbapi_connection.in_transaction
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM replies")).scalar() == 0


def test_sqlite_writers_queue_however_they_write_and_let_go_when_dropped(queued_sqlite):
    engine, lock = queued_sqlite
    path = str(engine.url.database)
    connection = sqlite3.connect(path, factory=QueuedWriterConnection, timeout=1)
    connection.execute("BEGIN IMMEDIATE")  # writes nothing yet, but shuts other writers out
    assert not lock_is_free(lock)
    connection.rollback()
    connection.executescript("SELECT 1; BEGIN; INSERT INTO notes (body) VALUES ('scripted');")
    assert not lock_is_free(lock)  # a script's later statements write too
    connection.commit()
    assert lock_is_free(lock)
    connection.execute("INSERT INTO notes (body) VALUES ('left open')")
    assert not lock_is_free(lock)
    del connection  # never closed: freeing it lets go, as SQLite's own lock does
    gc.collect()
    assert lock_is_free(lock)
    # And a second writer in the same process waits its turn for the first, then fails as SQLite would.
    first, second = (sqlite3.connect(path, factory=QueuedWriterConnection, timeout=0.2) for _ in range(2))
    first.execute("INSERT INTO notes (body) VALUES ('first')")
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        second.execute("INSERT INTO notes (body) VALUES ('second')")
    first.commit()
    second.execute("INSERT INTO notes (body) VALUES ('second')")
    second.commit()
    assert [body for (body,) in second.execute("SELECT body FROM notes")] == ["scripted", "first", "second"]
    first.close()
    second.close()


def test_sqlite_without_a_writer_lock_file_still_writes(tmp_path, caplog):
    url = f"sqlite:///{tmp_path / 'unlockable.sqlite3'}"
    (tmp_path / "unlockable.sqlite3-writer.lock").mkdir()  # in the way, as a file the service may not open
    engine = create_engine(url, **engine_options(url))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
        connection.execute(text("INSERT INTO notes VALUES ('written')"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT body FROM notes")).scalar() == "written"
    assert "no writer lock file" in caplog.text
    engine.dispose()


def spend_an_expired_and_a_current_token(now):
    db.session.add_all([SpentFormToken(nonce="expired-nonce", expires_at=now - timedelta(minutes=1)),
                        # Expired only if `now` were written otherwise (on SQLite "...+00:00" sorts after).
                        SpentFormToken(nonce="current-nonce", expires_at=now)])
    db.session.commit()


def test_a_threads_own_sqlite_connection_converts_values_and_raises_as_the_pool_does(sqlite_app):
    """Statements sent straight to sqlite3 (`run`) compare times as SQLAlchemy stores them, and a
    failure there is the same SQLAlchemy error the 503 page reads, with nothing left half-done
    and the writer queue let go."""
    now = utcnow()
    with sqlite_app.app_context():
        spend_an_expired_and_a_current_token(now)
        with own_sqlite_connection() as own:
            run(own, FORGET_EXPIRED, {"now": now})
            own.commit()
        assert db.session.scalars(select(SpentFormToken.nonce)).all() == ["current-nonce"]
        with pytest.raises(OperationalError, match="no such table") as raised, own_sqlite_connection() as own:
            own.execute("INSERT INTO spent_form_tokens (nonce, expires_at) VALUES ('left-nonce', '')")
            own.execute("INSERT INTO no_such_table VALUES (1)")
        assert not own.in_transaction and not own.holding and is_outage(raised.value) is False
        assert db.session.scalars(select(SpentFormToken.nonce)).all() == ["current-nonce"]


def test_a_threads_own_sqlite_connection_is_closed_after_its_pool_and_replaced_once_closed(sqlite_app):
    with sqlite_app.app_context():
        with own_sqlite_connection() as first, own_sqlite_connection() as again:
            assert again is first
        db.engine.dispose()
        gc.collect()
        with own_sqlite_connection() as second:  # the thread closes the first as it takes another
            assert second is not first
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            first.execute("SELECT 1")
        second.close()
        with pytest.raises(ProgrammingError), own_sqlite_connection() as closed:
            assert closed is second
        with own_sqlite_connection() as third:
            assert third is not second and third.execute("SELECT 1").fetchone() == (1,)


#: A read that keeps the driver busy for a while, on each database.
SLOW_COUNT = {
    "sqlite": text("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000) "
                   "SELECT count(*) FROM n"),
    "postgresql": text("SELECT count(*) FROM generate_series(1, 100000)"),
}


def test_an_engine_disposed_of_while_other_threads_read_closes_no_connection_under_them(database_url):
    """Disposing of the engine drops the pool that each thread's own connection was made beside.
    Closing those from the disposing thread, under a statement another thread was running,
    crashed the whole process (sqlite3's segmentation fault): a browser test's late request
    outlived its test. Each is now closed by its own thread, when it next takes a connection, and
    the last when the thread ends."""
    app = make_app(database_url)
    slow = SLOW_COUNT[make_url(database_url).get_backend_name()]
    counts, errors, left_open, last = [], [], [], []
    # Once both have stopped (neither holds a pool in a block), a pool that a cycle kept goes, in
    # one collection both wait for, rather than at some later one.
    stop, both_stopped = threading.Event(), threading.Barrier(2, action=gc.collect)

    def read_until_stopped():
        used = []
        with app.app_context():
            while not stop.is_set():
                try:
                    with own_connection() as connection:
                        used.append(connection)
                        counts.append(run(connection, slow, {}).fetchone()[0])
                except Exception as error:  # noqa: BLE001 - every failure is the test's finding
                    errors.append(error)
            both_stopped.wait()
            with own_connection() as current:
                left_open.extend(old for old in used if old is not current and not is_closed(old))
                last.append(current)

    readers = [threading.Thread(target=read_until_stopped) for _ in range(2)]
    for reader in readers:
        reader.start()
    with app.app_context():
        for _ in range(100):
            time.sleep(0.005)
            db.engine.dispose()
    stop.set()
    for reader in readers:
        reader.join()
    close_database(app)
    gc.collect()
    assert errors == []
    assert counts and set(counts) == {100000}
    assert left_open == []
    assert len(last) == 2 and all(is_closed(connection) for connection in last)



def test_a_connection_whose_pool_went_stays_open_while_an_outer_block_of_its_thread_uses_it(sqlite_app):
    with sqlite_app.app_context():
        with own_connection() as warm:  # made before: the block below holds no pool of its own
            pass
        with own_connection() as outer:
            assert outer is warm
            db.engine.dispose()
            gc.collect()
            with own_connection() as inner:
                assert inner is not outer
            assert outer.execute("SELECT 1").fetchone() == (1,)
        with own_connection():
            assert is_closed(outer)

def is_closed(connection):
    if isinstance(connection, psycopg.Connection):
        return connection.closed
    try:
        connection.total_changes  # noqa: B018 - sqlite3 answers only while open
    except sqlite3.ProgrammingError:
        return True
    return False


@pytest.fixture
def postgresql_app(postgres_url):
    empty_postgres(postgres_url)
    app = make_app(postgres_url)
    yield app
    close_database(app)


def test_a_threads_own_postgresql_connection_commits_each_statement_and_raises_as_the_pool_does(postgresql_app):
    """`run` converts values as SQLAlchemy does (times must be aware) and each statement commits
    itself; a statement that fails raises the SQLAlchemy error the 503 page reads, and leaves the
    connection in use: only a lost connection is replaced."""
    now = utcnow()
    with postgresql_app.app_context():
        spend_an_expired_and_a_current_token(now)
        with own_postgresql_connection() as own:
            backend = own.info.backend_pid
            run(own, FORGET_EXPIRED, {"now": now})  # no commit: the statement committed itself
        assert db.session.scalars(select(SpentFormToken.nonce)).all() == ["current-nonce"]
        with pytest.raises(ProgrammingError, match="no_such_table") as raised, own_postgresql_connection() as own:
            own.execute("INSERT INTO no_such_table VALUES (1)")
        assert is_outage(raised.value) is False and not raised.value.connection_invalidated
        with pytest.raises(ValueError, match="naive datetime"), own_postgresql_connection() as own:
            run(own, FORGET_EXPIRED, {"now": now.replace(tzinfo=None)})
        with own_postgresql_connection() as own:
            assert own.info.backend_pid == backend
        db.session.remove()  # the session's connection keeps its pool
        db.engine.dispose()
        gc.collect()
        with own_postgresql_connection() as fresh:  # the thread closes the old one as it takes another
            assert fresh is not own and fresh.execute("SELECT 1").fetchone() == (1,)
        assert own.closed


def test_a_read_on_a_broken_postgresql_connection_is_asked_again_on_a_fresh_one(postgresql_app):
    """After the server restarts, the first request a worker answers finds its own connection
    broken: the read is asked again, as the pool's ping would have done, and nobody sees a 503."""
    assert postgresql_app.test_cli_runner().invoke(args=["setup"]).exit_code == 0
    client = postgresql_app.test_client()
    assert client.get("/api/v1/campaigns/demo-petition").status_code == 200
    with postgresql_app.app_context(), own_postgresql_connection() as own:
        before = own.info.backend_pid
        db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
        db.session.commit()
    answer = client.get("/api/v1/campaigns/demo-petition")
    assert answer.status_code == 200 and answer.get_json()["count"] == 0
    with postgresql_app.app_context(), own_postgresql_connection() as own:
        assert own.info.backend_pid != before


def test_a_threads_own_connections_are_closed_once_the_thread_has_ended(empty_database_url):
    """A server that starts a thread per request (Flask's own, the browser tests') leaves no
    connection open behind each thread."""
    app = make_app(empty_database_url)
    assert app.test_cli_runner().invoke(args=["setup"]).exit_code == 0
    made = []

    def take_one():
        with app.app_context(), own_connection() as own:
            run(own, FORGET_EXPIRED, {"now": utcnow()})
            own.commit()
            made.append(own)

    threads = [threading.Thread(target=take_one) for _ in range(3)]
    for thread in threads:
        thread.start()
        thread.join()
    gc.collect()
    assert len({id(own) for own in made}) == 3
    for own in made:
        with pytest.raises((sqlite3.ProgrammingError, psycopg.OperationalError), match="closed"):
            own.execute("SELECT 1")
    close_database(app)
