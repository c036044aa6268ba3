"""The schema is managed by migrations that match the models; `setup` is safe on every start."""

import secrets

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import DEMO_SLUGS
from tests.conftest import POSTGRES_SERVER
from tests.conftest import close_database
from tests.conftest import make_app
from widget.config import normalize_database_url
from widget.extensions import db
from widget.storage.models import Campaign


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
    close_database(app)
    assert differences == []


def test_setup_refuses_a_broken_campaign_folder_without_loading_anything(empty_database_url, tmp_path):
    (tmp_path / "broken.yaml").write_text("slug: broken\nkind: petition\n")
    app = make_app(empty_database_url, CAMPAIGNS_DIR=str(tmp_path))
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 1
    assert "broken.yaml: default_language: Field required" in result.output
    with app.app_context():
        assert db.session.query(Campaign).count() == 0
    close_database(app)
