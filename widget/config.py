"""Configuration: safe defaults, then the MEGAFONO_* environment variables, then the test override."""

import os
import secrets
from datetime import timedelta
from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

import click
from sqlalchemy.engine import make_url

from widget import PROJECT_ROOT
from widget.storage.writers import QueuedWriterConnection


class ConfigurationError(click.ClickException):
    """The service cannot start with the configuration it was given.

    A ClickException so `flask --app widget ...` prints the message alone, without a traceback.
    """


NO_KEY_MESSAGE = (
    "MEGAFONO_SECRET_KEY is not set. Form tokens are signed with it, and the digests stored instead of "
    "email and IP addresses are keyed with it, so the service will not start without one outside "
    "development. Generate one with\n"
    "    python3 -c 'import secrets; print(secrets.token_urlsafe(48))'\n"
    "and set it in the environment of every app server (they must share it), "
    "or set MEGAFONO_ENV=development on a developer machine."
)


def load_config(app, test_config=None):
    """Fill app.config from defaults and the environment, then apply the test override."""
    environ = os.environ
    app.config.update(
        ENVIRONMENT=environ.get("MEGAFONO_ENV", "production"),
        SECRET_KEY=environ.get("MEGAFONO_SECRET_KEY") or None,
        SQLALCHEMY_DATABASE_URI=database_url(
            environ.get("MEGAFONO_DATABASE_URL"), Path(app.instance_path)
        ),
        REDIS_URL=environ.get("MEGAFONO_REDIS_URL") or None,
        BASE_URL=(environ.get("MEGAFONO_BASE_URL") or "").rstrip("/") or None,
        # How many reverse proxies (load balancer, CDN) stand in front of the app and set
        # X-Forwarded-For and -Proto (never -Host: the Host header is passed on). Zero means none:
        # those headers are then ignored.
        PROXY_HOPS=int(environ.get("MEGAFONO_PROXY_HOPS") or 0),
        CAMPAIGNS_DIR=environ.get("MEGAFONO_CAMPAIGNS_DIR") or str(PROJECT_ROOT / "campaigns"),
        # The interface's catalogs; another folder serves, say, the pseudo-locale for a layout check.
        BABEL_TRANSLATION_DIRECTORIES=environ.get("MEGAFONO_TRANSLATIONS_DIR") or str(PROJECT_ROOT / "translations"),
        # Where Know Your Rights graphics are kept once drawn; every worker on a host shares it.
        GRAPHICS_DIR=environ.get("MEGAFONO_GRAPHICS_DIR") or str(Path(app.instance_path) / "graphics"),
        # A supporter may keep the form open a long while (reading, fetching their ZIP code);
        # after this many seconds the form asks them to press the button again.
        FORM_TOKEN_MAX_AGE=6 * 60 * 60,
        # Faster than this (in seconds) from showing the form to posting it is a script.
        FORM_MIN_FILL_SECONDS=2,
        # Every form we serve is a few kilobytes; refuse anything far larger before parsing it.
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
        SQLALCHEMY_ENGINE_OPTIONS={},
        # Which regional variant writes a language's numbers, dates and times: Spanish for people in
        # the Americas and the US writes 1,234 and 3:00 p.m. (es_419, es_US); Spain writes 1.234
        # and 15:00 (es).
        FORMAT_LOCALES=parse_pairs(environ.get("MEGAFONO_FORMAT_LOCALES") or "es=es_419"),
        # Rate limits (Flask-Limiter syntax). Per address: generous, as many people can share one.
        RATE_LIMIT_PER_ADDRESS=environ.get("MEGAFONO_RATE_LIMIT_PER_ADDRESS") or "60 per minute;1000 per hour",
        # The same email address on one campaign: a repeat changes nothing, so a few are plenty.
        RATE_LIMIT_PER_EMAIL=environ.get("MEGAFONO_RATE_LIMIT_PER_EMAIL") or "10 per hour",
        RATE_LIMIT_SIGN_IN=environ.get("MEGAFONO_RATE_LIMIT_SIGN_IN") or "10 per minute;50 per day",
        RATE_LIMIT_KEY_PREFIX="megafono",
        # How long a worker answers a kept widget page before asking the database whether its
        # campaign (count, status, text) or partner has changed (widget/embedding/rendered.py).
        PAGE_RECHECK_SECONDS=float(environ.get("MEGAFONO_PAGE_RECHECK_SECONDS") or 1),
        # Where organizers' days begin and end: the dashboard's days, its export dates, the
        # delivery list's date and the command line's --since and --until (an IANA name).
        TIME_ZONE=environ.get("MEGAFONO_TIME_ZONE") or "UTC",
        # After this many days `supporters expire` blanks a signature's personal details.
        RETENTION_DAYS=int(environ.get("MEGAFONO_RETENTION_DAYS") or 365),
        # Only the organizers' dashboard has a session; the widget never sets a cookie.
        SESSION_COOKIE_PATH="/dashboard",
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="megafono_dashboard",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # The cookie's expiry is not pushed back by each visit; the session ends 12 hours after signing in.
        SESSION_REFRESH_EACH_REQUEST=False,
        WTF_CSRF_TIME_LIMIT=12 * 60 * 60,
    )
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **engine_options(app.config["SQLALCHEMY_DATABASE_URI"]),
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    # Browsers send the dashboard's cookie back only over HTTPS when the service is served over it.
    if "SESSION_COOKIE_SECURE" not in (test_config or {}):
        app.config["SESSION_COOKIE_SECURE"] = (app.config["BASE_URL"] or "").startswith("https://")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = development_secret_key(app)
    check_time_zone(app.config["TIME_ZONE"])
    if app.config["ENVIRONMENT"] != "development" and not app.config["BASE_URL"] and not app.config.get("TESTING"):
        app.logger.warning(
            "MEGAFONO_BASE_URL is not set: absolute links (embed code, oEmbed, share links) will use "
            "whatever Host header each request brings. Set it to the public address, e.g. https://act.example.org."
        )


def parse_pairs(text):
    """`es=es_US, pt=pt_BR` as a dict."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs}


def database_url(configured, instance_path):
    """The configured database, or a SQLite file in the instance folder."""
    if configured:
        return configured
    return f"sqlite:///{instance_path / 'megafono.sqlite3'}"


def normalize_database_url(url):
    """Accept plain postgresql:// (and Heroku-style postgres://) URLs by naming the psycopg driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def engine_options(url):
    """Connection settings that let the service ride out database restarts.

    Statement parameters are never put into error messages: they are supporters' details, and
    error messages end up in logs.
    """
    if url.startswith("sqlite"):
        # Several gunicorn workers share one file: writers queue for it (see storage/writers.py)
        # and wait for the write lock instead of failing.
        return {"hide_parameters": True, "connect_args": {"timeout": 15, "factory": QueuedWriterConnection}}
    return {
        "hide_parameters": True,
        # A connection that died while the database was down is replaced, not handed out.
        "pool_pre_ping": True,
        "pool_size": 5,
        "max_overflow": 5,
        # A worker waits a few seconds for the database at most, then answers 503.
        "pool_timeout": 5,
        "connect_args": {"connect_timeout": 5},
    }


def check_time_zone(name):
    """A zone's IANA name, spelled as the database spells it (not `localtime`, which would differ
    from one server to the next)."""
    if name not in time_zone_names():
        raise ConfigurationError(
            f"MEGAFONO_TIME_ZONE is {name!r}, which is not a time zone's name. Use one such as "
            "America/New_York, America/Los_Angeles or UTC."
        )


#: Names some systems' time zone files have that are not zones of a place.
NOT_PLACES = {"localtime", "Factory", "posixrules"}


@cache
def time_zone_names():
    return available_timezones() - NOT_PLACES


def development_secret_key(app):
    """A per-checkout key kept in the instance folder, so every local worker signs alike."""
    if app.config["ENVIRONMENT"] != "development":
        raise ConfigurationError(NO_KEY_MESSAGE)
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
