"""Fixtures: an app on a real database (a SQLite file and a fresh PostgreSQL database), a client,
and helpers to fill in the widget's forms the way a browser would."""

import os
import re
import secrets
import shutil
import tempfile
from contextlib import contextmanager

import psycopg
import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import text
from sqlalchemy.engine import make_url

from widget import PROJECT_ROOT
from widget import create_app
from widget.campaigns.loader import campaign_files
from widget.campaigns.loader import load_campaign_files
from widget.config import normalize_database_url
from widget.extensions import db
from widget.i18n import catalogs
from widget.security import form_token as form_tokens
from widget.storage import counting
from widget.storage.database import upgrade_schema
from widget.storage.driver import own_sqlite_connection

#: The server the suite makes its own throwaway database on.
POSTGRES_SERVER = os.environ.get(
    "MEGAFONO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DEMO_CAMPAIGNS = PROJECT_ROOT / "campaigns"
DEMO_SLUGS = sorted(path.stem for path in DEMO_CAMPAIGNS.glob("*.yaml"))
SECRET_KEY = "test-secret-key-not-for-production"
#: Every test app's graphics folder is made in here, and the whole is removed when the run ends.
GRAPHICS_FOLDERS = tempfile.mkdtemp(prefix="megafono-test-graphics-")

SUPPORTER = {
    "given_name": "Ana",
    "family_name": "Pérez",
    "email": "ana@example.org",
    "city": "San Salvador",
    "postal_code": "01101",
}


def pytest_configure(config):
    # Outside the tests that check it, the service runs with an explicit key, never a generated one.
    os.environ.pop("MEGAFONO_ENV", None)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """The service reads compiled catalogs; they are built here, never committed."""
    catalogs.compile_catalogs()


class BufferedClient(FlaskClient):
    """A test client that reads every response whole and closes it, as a server would.

    Without this, a streamed response (a file) that a test does not read stays open.
    """

    def open(self, *args, buffered=True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


def make_app(database_url, **overrides):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CAMPAIGNS_DIR": str(DEMO_CAMPAIGNS),
            # Tests post forms at machine speed; the fill-time check has its own tests.
            "FORM_MIN_FILL_SECONDS": 0,
            # Tests look at a page right after changing what it shows; kept pages' one-second
            # window has its own tests.
            "PAGE_RECHECK_SECONDS": 0,
            # Tests send many forms from one address; the limits have their own tests.
            "RATE_LIMIT_PER_ADDRESS": "1000000 per minute",
            "RATE_LIMIT_PER_EMAIL": "1000000 per minute",
            "RATE_LIMIT_SIGN_IN": "1000000 per minute",
            "GRAPHICS_DIR": tempfile.mkdtemp(dir=GRAPHICS_FOLDERS),
            **overrides,
        }
    )
    app.test_client_class = BufferedClient
    return app


@pytest.fixture(scope="session", autouse=True)
def graphics_folders_removed():
    yield
    shutil.rmtree(GRAPHICS_FOLDERS, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this run, migrated once, dropped at the end."""
    server = make_url(normalize_database_url(POSTGRES_SERVER))
    name = f"megafono_test_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    app = make_app(url)
    with app.app_context():
        upgrade_schema()
    close_database(app)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file that each test copies, so no test pays for migrating."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade_schema()
    close_database(app)
    return path


def empty_postgres(url):
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = ", ".join(
            table.name for table in reversed(db.metadata.sorted_tables)
        )
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each test that uses the database runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path / "megafono.sqlite3")
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return url


def close_database(app):
    """Give back the session's connection, then close every pooled one (no connection leaks)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def demo_app(database_url, **overrides):
    """The app (with these settings) and the demo campaigns loaded; its connections closed after."""
    app = make_app(database_url, **overrides)
    with app.app_context():
        load_campaign_files(campaign_files(DEMO_CAMPAIGNS))
    try:
        yield app
    finally:
        close_database(app)


def sqlite_copy(sqlite_template, path):
    """A fresh migrated SQLite file at this path, as a database URL."""
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url):
    """The app with the demo campaigns loaded."""
    with demo_app(database_url) as app:
        yield app


@pytest.fixture
def sqlite_app(tmp_path, sqlite_template):
    """The app on SQLite only, for tests about what is drawn or computed rather than stored."""
    url = sqlite_copy(sqlite_template, tmp_path / "megafono.sqlite3")
    with demo_app(url, GRAPHICS_DIR=str(tmp_path / "graphics")) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


def form_token(page):
    """The signed token a widget page hands its form."""
    body = page.get_data(as_text=True) if hasattr(page, "get_data") else page
    match = re.search(r'name="token" value="([^"]+)"', body)
    assert match, "the page has no form token"
    return match.group(1)


SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def sign(client, slug="demo-petition", lang="es", headers=None, token=None, source=None, **fields):
    """Fill in and send a petition the way the browser does: load the form, post it back."""
    query = f"?lang={lang}" + (f"&source={source}" if source else "")
    if token is None:
        token = form_token(client.get(f"/embed/{slug}{query}"))
    data = {"token": token, **SUPPORTER, **fields}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"/embed/{slug}{query}", data=data, headers={**SAME_ORIGIN, **(headers or {})})


@pytest.fixture
def without_housekeeping(monkeypatch):
    """Not the occasional clear-out of expired tokens, nor adding up the uncounted actions: an
    action sends only its own statements, so a test of what it sends does not fail by chance."""
    monkeypatch.setattr(form_tokens, "PURGE_ONE_IN", 10**9)
    monkeypatch.setattr(counting, "FOLD_ONE_IN", 10**9)


@contextmanager
def statements_sent(app):
    """A list that grows with each SQL statement the app sends from this thread (where the test
    client answers), each as (its first word, where it went): "pool", or the thread's own
    connection, "own" (on PostgreSQL, "own, autocommit" when the statement commits itself)."""
    sent = []

    def note(statement, where):
        entry = (statement.split(None, 1)[0], where)
        # sqlite3 reports a statement again for each step a trigger runs: once is enough.
        if where != "own" or not sent or sent[-1] != entry:
            sent.append(entry)

    def through_the_pool(connection, cursor, statement, *rest):
        note(statement, "pool")

    def trace(statement):
        note(statement, "own")

    def execute_on_psycopg(connection, statement, *arguments, **options):
        note(statement, "own, autocommit" if connection.autocommit else "own")
        return psycopg_execute(connection, statement, *arguments, **options)

    psycopg_execute = psycopg.Connection.execute
    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", through_the_pool)
        if engine.dialect.name == "sqlite":
            with own_sqlite_connection() as own:
                own.set_trace_callback(trace)
        else:
            psycopg.Connection.execute = execute_on_psycopg
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", through_the_pool)
        if engine.dialect.name == "sqlite":
            own.set_trace_callback(None)
        else:
            psycopg.Connection.execute = psycopg_execute


def count_rows(app, model):
    with app.app_context():
        return db.session.query(model).count()


def action_count(app, slug="demo-petition"):
    from widget.storage.models import Campaign

    with app.app_context():
        db.session.expire_all()
        return db.session.query(Campaign.action_count).filter_by(slug=slug).scalar()
