"""Configuration comes from MEGAFONO_* variables; without a secret key, production will not start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import close_database
from tests.conftest import make_app
from widget import PROJECT_ROOT
from widget import create_app
from widget.config import ConfigurationError
from widget.config import load_config
from widget.config import normalize_database_url


@pytest.fixture
def environment(monkeypatch, tmp_path):
    for name in [name for name in os.environ if name.startswith("MEGAFONO_")]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://postgres@127.0.0.1:5432/megafono", "postgresql+psycopg://postgres@127.0.0.1:5432/megafono"),
        ("postgres://user:pa%40ss@db.example:6543/m", "postgresql+psycopg://user:pa%40ss@db.example:6543/m"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ],
)
def test_plain_postgresql_urls_work_as_given(given, expected):
    assert normalize_database_url(given) == expected


def test_settings_come_from_the_environment(environment):
    environment.setenv("MEGAFONO_SECRET_KEY", "from-the-environment")
    environment.setenv("MEGAFONO_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    environment.setenv("MEGAFONO_REDIS_URL", "redis://127.0.0.1:6379/0")
    environment.setenv("MEGAFONO_BASE_URL", "https://act.example.org/")
    config = create_app().config
    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert config["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert config["BASE_URL"] == "https://act.example.org"


def test_the_default_database_is_a_sqlite_file_in_the_instance_folder(environment):
    environment.setenv("MEGAFONO_SECRET_KEY", "x")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{Path(app.instance_path) / 'megafono.sqlite3'}"


@pytest.mark.parametrize("zone", ["Nowhere/City", "../../etc/passwd", "utc", "America/New York", "x" * 300,
                                  "localtime", "Factory"])
def test_a_time_zone_that_does_not_exist_stops_the_service_with_a_clear_message(environment, zone):
    environment.setenv("MEGAFONO_SECRET_KEY", "x")
    environment.setenv("MEGAFONO_TIME_ZONE", zone)
    with pytest.raises(ConfigurationError, match="MEGAFONO_TIME_ZONE is .* not a time zone's name"):
        create_app()


def test_the_time_zone_comes_from_the_environment(environment):
    environment.setenv("MEGAFONO_SECRET_KEY", "x")
    assert create_app().config["TIME_ZONE"] == "UTC"
    environment.setenv("MEGAFONO_TIME_ZONE", "America/Chicago")
    assert create_app().config["TIME_ZONE"] == "America/Chicago"


def test_production_without_a_secret_key_stops_with_a_clear_message(environment):
    with pytest.raises(ConfigurationError, match="MEGAFONO_SECRET_KEY is not set"):
        create_app()


def test_development_keeps_one_generated_key_in_the_instance_folder(environment, tmp_path):
    """Every local worker must sign tokens alike, so the key is made once and kept."""
    environment.setenv("MEGAFONO_ENV", "development")
    first, second = Flask("a", instance_path=str(tmp_path)), Flask("b", instance_path=str(tmp_path))
    load_config(first)
    load_config(second)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def run(command, env):
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)


def clean_environment(**extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith("MEGAFONO_")}
    return {**env, **extra}


def test_gunicorns_entry_point_refuses_to_start_without_a_key():
    result = run([sys.executable, "-c", "import wsgi"], clean_environment())
    assert result.returncode == 3
    assert "Megáfono cannot start: MEGAFONO_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_line_refuses_to_start_without_a_key():
    flask = Path(sys.executable).parent / "flask"
    result = run([str(flask), "--app", "widget", "setup"], clean_environment())
    assert result.returncode != 0
    assert "Error: MEGAFONO_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_new_sqlite_database_is_readable_by_the_service_alone(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    previous = os.umask(0o022)
    try:
        app = make_app(f"sqlite:///{shared / 'megafono.sqlite3'}")
        result = app.test_cli_runner().invoke(args=["setup"])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert (shared / "megafono.sqlite3").stat().st_mode & 0o077 == 0
    assert "other users of this host can read" not in result.output
    close_database(app)


def test_set_up_warns_of_a_database_other_users_can_read(tmp_path):
    database = tmp_path / "megafono.sqlite3"
    database.touch()
    database.chmod(0o644)
    tmp_path.chmod(0o755)
    app = make_app(f"sqlite:///{database}")
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert (f"warning: other users of this host can read {database}, and with it every supporter's details. "
            f"Make it the service's alone: chmod 600 {database}*") in result.output
    close_database(app)


def test_serving_postgresql_makes_no_instance_folder(environment, tmp_path):
    environment.setenv("MEGAFONO_SECRET_KEY", "x")
    environment.setenv("MEGAFONO_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    environment.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    create_app()
    assert not (tmp_path / "instance").exists()


@pytest.mark.parametrize("url", ["sqlite:///relative.sqlite3", "sqlite:///file:relative.sqlite3?uri=true"])
def test_a_relative_sqlite_path_is_made_private_where_it_is_opened(environment, tmp_path, url):
    environment.setenv("MEGAFONO_SECRET_KEY", "x")
    environment.setenv("MEGAFONO_DATABASE_URL", url)
    environment.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    environment.chdir(tmp_path)
    create_app()
    assert (tmp_path / "instance" / "relative.sqlite3").stat().st_mode & 0o077 == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["instance"]
