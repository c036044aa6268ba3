"""Signatures taken before Flask (widget/petition/quick.py) are taken exactly as Flask takes them:
the same answers, the same rows, the same rate-limit counters, and nothing taken that Flask
would refuse or show again."""

import re
import time
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest
from flask import request_started
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update

from tests.conftest import DEMO_CAMPAIGNS
from tests.conftest import SAME_ORIGIN
from tests.conftest import action_count
from tests.conftest import close_database
from tests.conftest import count_rows
from tests.conftest import demo_app
from tests.conftest import empty_postgres
from tests.conftest import make_app
from tests.conftest import sign
from tests.conftest import sqlite_copy
from tests.conftest import statements_sent
from widget.campaigns.loader import campaign_files
from widget.campaigns.loader import load_campaign_files
from widget.embedding import partners
from widget.extensions import db
from widget.petition.quick import QuickSignatures
from widget.security.form_token import issue_form_token
from widget.storage.database import upgrade_schema
from widget.storage.driver import own_postgresql_connection
from widget.storage.driver import own_sqlite_connection
from widget.storage.models import Campaign
from widget.storage.models import Signature

FORM = "/embed/demo-petition?lang=es"
PERSON = {"given_name": "Ana", "family_name": "Pérez", "city": "Soyapango"}


def quick_signatures(app):
    """The app's QuickSignatures middleware, found along its chain of WSGI wrappers."""
    layer = app.wsgi_app
    while not isinstance(layer, QuickSignatures):
        layer = layer.wsgi_app
    return layer


@contextmanager
def requests_reaching_flask(app):
    """A list that grows by one for each request Flask itself handles."""
    reached = []

    def count(sender, **extra):
        reached.append(1)

    request_started.connect(count, app)
    try:
        yield reached
    finally:
        request_started.disconnect(count, app)


def token(app, shown_seconds_ago=60):
    with app.app_context():
        return issue_form_token("demo-petition", time.time() - shown_seconds_ago)


def post(client, fields, headers=SAME_ORIGIN, query=FORM):
    return client.post(query, data=urlencode(fields), headers={
        "Content-Type": "application/x-www-form-urlencoded", **headers})


def stored(app):
    """Every signature as stored, but for what differs from one run to the next."""
    with app.app_context():
        rows = db.session.scalars(select(Signature).order_by(Signature.email)).all()
        return [(row.given_name, row.family_name, row.email, row.email_key, row.city, row.postal_code,
                 row.country, row.language, row.source, row.opted_in, row.opted_in_to, row.consented)
                for row in rows]


def test_after_flask_takes_a_signature_the_next_ones_are_taken_before_it(app, client):
    first = sign(client, email="primera@example.org")
    assert first.status_code == 303
    with requests_reaching_flask(app) as reached:
        second = post(client, {"token": token(app), **PERSON, "email": "segunda@example.org", "opt_in": "y"})
        assert not reached, "the second signature went through Flask"
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    # Flask's headers, every one of them: nothing in them differs from one post to the next.
    assert set(second.headers.keys()) == set(first.headers.keys())
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control"):
        assert second.headers[header] == first.headers[header], header
    assert action_count(app) == count_rows(app, Signature) == 2
    taken = [row for row in stored(app) if row[2] == "segunda@example.org"]
    assert taken == [("Ana", "Pérez", "segunda@example.org", taken[0][3], "Soyapango", None, None, "es", None,
                      True, None, False)]

    # The same token again, or a repeat of the same address: as Flask answers them.
    with requests_reaching_flask(app) as reached:
        again = post(client, {"token": token(app), **PERSON, "email": "segunda@example.org"})
        assert not reached
    assert again.status_code == 303 and action_count(app) == count_rows(app, Signature) == 2


def test_a_language_switch_is_never_taken_as_a_signature(app, client):
    """A complete, valid form posted to change language (step=language) at an address where
    signatures are taken before Flask goes on to Flask, which shows it again: nothing signed."""
    assert sign(client, email="primera@example.org").status_code == 303
    with requests_reaching_flask(app) as reached:
        switched = post(client, {"token": token(app), **PERSON, "email": "segunda@example.org", "step": "language"})
        assert reached
    assert switched.status_code == 200 and 'value="segunda@example.org"' in switched.get_data(as_text=True)
    assert action_count(app) == count_rows(app, Signature) == 1


def test_a_signature_taken_before_flask_is_one_statement_on_the_threads_own_connection(app, client,
                                                                                      without_housekeeping):
    """Straight to the driver, on a connection of the thread's own: nothing goes through the pool.
    On PostgreSQL the one statement commits itself: nothing it writes waits for a worker to get
    round to sending COMMIT. On SQLite the one statement (an insert into a view, whose trigger
    writes) runs in a transaction of its own."""
    assert sign(client, email="primera@example.org").status_code == 303
    with statements_sent(app) as sent, requests_reaching_flask(app) as reached:
        response = post(client, {"token": token(app), **PERSON, "email": "segunda@example.org"})
    assert response.status_code == 303 and not reached
    assert action_count(app) == count_rows(app, Signature) == 2
    with app.app_context():
        on_postgresql = db.engine.dialect.name == "postgresql"
    if on_postgresql:
        assert sent == [("WITH", "own, autocommit")]
    else:
        assert sent == [("BEGIN", "own"), ("INSERT", "own"), ("COMMIT", "own")]


def test_a_threads_own_postgresql_connection_found_broken_leaves_the_signature_to_flask(postgres_url):
    """After the server restarts, the first signature at a worker finds its own connection broken:
    Flask takes it on the pool, whose ping reconnects, instead of telling the supporter the
    service is down. The connection after it is a fresh one."""
    empty_postgres(postgres_url)
    with demo_app(postgres_url) as app:
        client = app.test_client()
        signatures_after_a_lost_connection(app, client, postgres_url)


def signatures_after_a_lost_connection(app, client, database_url):
    assert post(client, {"token": token(app), **PERSON, "email": "primera@example.org"}).status_code == 303
    assert post(client, {"token": token(app), **PERSON, "email": "segunda@example.org"}).status_code == 303
    with app.app_context(), own_postgresql_connection() as own:
        before = own.info.backend_pid
    outside = make_app(database_url)
    with outside.app_context():  # as a server restart would
        db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
        db.session.commit()
    close_database(outside)
    with requests_reaching_flask(app) as reached:
        assert post(client, {"token": token(app), **PERSON, "email": "tercera@example.org"}).status_code == 303
        assert reached
    with requests_reaching_flask(app) as reached:
        assert post(client, {"token": token(app), **PERSON, "email": "cuarta@example.org"}).status_code == 303
        assert not reached
    with app.app_context(), own_postgresql_connection() as own:
        assert own.info.backend_pid != before and own.autocommit
    assert action_count(app) == count_rows(app, Signature) == 4


def test_a_signature_taken_before_flask_is_stored_as_flask_stores_one(app, client):
    """On SQLite it goes straight to the driver, converted as SQLAlchemy converts values: SQLite
    keeps whatever text it is given, so a time written another way would sort wrongly."""
    assert sign(client, email="primera@example.org").status_code == 303
    with requests_reaching_flask(app) as reached:
        fields = {"token": token(app), **PERSON, "email": "segunda@example.org", "opt_in": "y"}
        assert post(client, fields).status_code == 303
        assert not reached
    with app.app_context():
        by_flask, before_flask = db.session.execute(
            text("SELECT created_at, opted_in, consented FROM signatures ORDER BY email")).all()
        tokens = db.session.scalars(text("SELECT expires_at FROM spent_form_tokens")).all()

    def shape(value):
        return re.sub(r"\d", "0", value) if isinstance(value, str) else type(value)

    assert [shape(value) for value in before_flask] == [shape(value) for value in by_flask]
    assert len(tokens) == 2 and shape(tokens[0]) == shape(tokens[1])


def test_a_database_in_memory_stays_in_its_pool_when_signatures_are_taken_before_flask():
    """There the pool's one connection is the database: taking it out would leave Flask an empty one."""
    app = make_app("sqlite://")
    with app.app_context():
        upgrade_schema()
        load_campaign_files(campaign_files(DEMO_CAMPAIGNS))
    try:
        client = app.test_client()
        assert sign(client, email="primera@example.org").status_code == 303
        with requests_reaching_flask(app) as reached:
            assert post(client, {"token": token(app), **PERSON, "email": "segunda@example.org"}).status_code == 303
            assert not reached
        assert client.get("/embed/demo-petition?lang=es").status_code == 200
        assert action_count(app) == count_rows(app, Signature) == 2
    finally:
        close_database(app)


def test_each_post_checked_before_flask_starts_from_an_empty_form(app, client):
    # Each thread checks every post at an address in one form: nothing of a post may stay for the next.
    assert sign(client, email="primera@example.org").status_code == 303
    with requests_reaching_flask(app) as reached:
        post(client, {"token": token(app), **PERSON, "email": "opted@example.org", "opt_in": "y"})
        post(client, {"token": token(app), **PERSON, "email": "not-opted@example.org"})
        assert not reached
    with requests_reaching_flask(app) as reached:
        refused = post(client, {"token": token(app), "given_name": "Ana", "email": "half@example.org"})
        assert reached and refused.status_code == 422
    with requests_reaching_flask(app) as reached:
        post(client, {"token": token(app), **PERSON, "email": "after@example.org"})
        assert not reached, "a refused post's errors stayed in the form"
    opted = {row[2]: row[9] for row in stored(app)}
    assert opted == {"primera@example.org": False, "opted@example.org": True, "not-opted@example.org": False,
                     "after@example.org": False}


def test_what_flask_would_refuse_or_show_again_goes_to_flask(app, client):
    assert sign(client, email="primera@example.org").status_code == 303
    app.config["FORM_MIN_FILL_SECONDS"] = 5
    refused = {
        "a field missing": ({"token": token(app), "given_name": "Ana", "email": "x@example.org"}, SAME_ORIGIN, 422),
        "a bad address": ({"token": token(app), **PERSON, "email": "not an address"}, SAME_ORIGIN, 422),
        "no token": ({**PERSON, "email": "y@example.org"}, SAME_ORIGIN, 400),
        "too quick": ({"token": token(app, 1), **PERSON, "email": "z@example.org"}, SAME_ORIGIN, 400),
        "from another site": ({"token": token(app), **PERSON, "email": "w@example.org"},
                              {"Sec-Fetch-Site": "cross-site"}, 403),
        "a bot": ({"token": token(app), **PERSON, "email": "v@example.org", "website": "spam"}, SAME_ORIGIN, 303),
    }
    for what, (fields, headers, status) in refused.items():
        with requests_reaching_flask(app) as reached:
            response = post(client, fields, headers)
            assert reached, what
        if status is not None:
            assert response.status_code == status, what
    assert action_count(app) == count_rows(app, Signature) == 1


def test_a_campaign_changed_or_closed_since_is_flasks_to_answer(app, client):
    # Kept pages may trust what they read for a while; signatures never do.
    app.config["PAGE_RECHECK_SECONDS"] = 3600
    assert sign(client, email="primera@example.org").status_code == 303
    with app.app_context():
        campaign = db.session.scalars(select(Campaign).filter_by(slug="demo-petition")).one()
        fields = campaign.settings["fields"]
        campaign.settings = {**campaign.settings, "fields": {**fields, "shown": [*fields["shown"], "postal_code"],
                                                             "required": [*fields["required"], "postal_code"]}}
        db.session.commit()
    with requests_reaching_flask(app) as reached:
        response = post(client, {"token": token(app), **PERSON, "email": "segunda@example.org"})
        assert reached
    assert response.status_code == 422  # the new required field, which the kept form did not have

    # Closed by hand, in SQL: nothing kept.
    assert post(client, {"token": token(app), **PERSON, "email": "tercera@example.org",
                         "postal_code": "77001"}).status_code == 303
    with app.app_context():
        db.session.execute(update(Campaign).where(Campaign.slug == "demo-petition").values(status="closed"))
        db.session.commit()
    response = post(client, {"token": token(app), **PERSON, "email": "cuarta@example.org", "postal_code": "77001"})
    assert response.status_code == 409
    assert action_count(app) == count_rows(app, Signature) == 2


def test_a_partner_changed_since_is_flasks_to_answer(app, client):
    """Once a partner's sites are removed, the opt-in no longer names it: Flask's rule, not the kept one."""
    with app.app_context():
        partners.add_partner("red-sv", "Red Solidaria SV", ["https://redsv.example.org"])
    query = "/embed/demo-petition?lang=es&source=red-sv"
    assert post(client, {"token": token(app), **PERSON, "email": "una@example.org", "opt_in": "y"},
                query=query).status_code == 303
    with app.app_context():
        partners.update_partner("red-sv", origins=[])
    with requests_reaching_flask(app) as reached:
        assert post(client, {"token": token(app), **PERSON, "email": "dos@example.org", "opt_in": "y"},
                    query=query).status_code == 303
        assert reached
    assert [(row[2], row[10]) for row in stored(app)] == [("dos@example.org", None), ("una@example.org", "red-sv")]


def test_signatures_taken_before_flask_count_against_the_same_limits(database_url):
    with demo_app(database_url, RATE_LIMIT_PER_ADDRESS="3 per hour") as app:
        client = app.test_client()
        assert sign(client, email="una@example.org").status_code == 303  # Flask: one
        with requests_reaching_flask(app) as reached:
            for number in (2, 3):
                fields = {"token": token(app), **PERSON, "email": f"n{number}@example.org"}
                assert post(client, fields).status_code == 303
            assert not reached
            refused = post(client, {"token": token(app), **PERSON, "email": "n4@example.org"})
            assert reached  # the limit is reached: Flask says so, in the supporter's language
        assert refused.status_code == 429
        assert count_rows(app, Signature) == 3


def test_a_post_counted_before_flask_is_not_counted_again_by_flask(database_url):
    with demo_app(database_url, RATE_LIMIT_PER_EMAIL="3 per hour") as app:
        client = app.test_client()
        fields = {"token": token(app), **PERSON, "email": "ana@example.org"}
        assert post(client, fields).status_code == 303  # Flask: one
        # The same form again (a double click): counted here, refused by Flask, counted once.
        with requests_reaching_flask(app) as reached:
            assert post(client, fields).status_code == 400
            assert reached
        assert post(client, {**fields, "token": token(app)}).status_code == 303  # three
        assert post(client, {**fields, "token": token(app)}).status_code == 429


def test_a_database_that_fails_before_flask_gets_flasks_503_without_a_second_try(sqlite_app, caplog,
                                                                                 without_housekeeping):
    app, client = sqlite_app, sqlite_app.test_client()
    assert post(client, {"token": token(app), **PERSON, "email": "ana@example.org"}).status_code == 303
    with app.app_context():
        db.engine.dispose()
        event.listen(db.engine, "connect", lambda connection, _: connection.execute("PRAGMA query_only = 1"))
        sent = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
        # A fresh pool: the thread's own connection is made afresh too, read-only like the pool's.
        with own_sqlite_connection() as own:
            own.set_trace_callback(sent.append)
    refused = post(client, {"token": token(app), **PERSON, "email": "eva@example.org"})
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
    assert "No se guardó nada" in refused.get_data(as_text=True)
    assert "attempt to write a readonly database" in caplog.text
    # The attempt before Flask tried to write; Flask did not ask the database again.
    assert any(statement.startswith("INSERT INTO signature_writes") for statement in sent)
    assert not any("FROM campaigns" in statement for statement in sent)
    assert count_rows(app, Signature) == 1


#: Bodies as browsers, bots and accidents send them: a correct form with any of its fields kept,
#: left out or replaced by any text, then any fields (again, the honeypot, unknown ones) added.
field_names = st.sampled_from([*PERSON, "email", "postal_code", "opt_in", "website", "extra"])
field_values = st.one_of(
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=120),
    st.sampled_from(["Ana", " Ana ", "ana@example.org", " ANA@Example.ORG ", "a@b", "y", "false", "", "\u200bZoë"]),
)
correct_fields = st.builds(lambda number: [*PERSON.items(), ("email", f"persona{number}@example.org")],
                           st.integers(0, 10_000))
bodies = st.builds(
    lambda fields, changes, added: [
        (name, value if change is None else change) for (name, value), change in zip(fields, changes, strict=True)
        if change != "<left out>"
    ] + added,
    correct_fields,
    st.lists(st.one_of(st.none(), st.none(), st.just("<left out>"), field_values), min_size=4, max_size=4),
    st.lists(st.tuples(field_names, field_values), max_size=3),
)


@pytest.fixture
def twins(tmp_path, sqlite_template):
    """Two apps on two copies of one database: one takes signatures before Flask, one never does."""
    with (demo_app(sqlite_copy(sqlite_template, tmp_path / "quick.sqlite3")) as quick,
          demo_app(sqlite_copy(sqlite_template, tmp_path / "flask-only.sqlite3")) as flask_only):
        quick_signatures(flask_only).kept.size = 0  # keeps nothing, so every post goes to Flask
        for app in (quick, flask_only):  # the first signature, which teaches the quick one this address
            fields = {"token": token(app), **PERSON, "email": "first@example.org"}
            assert post(app.test_client(), fields).status_code == 303
        yield quick, flask_only


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, query=st.sampled_from([FORM, "/embed/demo-petition?lang=en&source=red-sv"]))
def test_whatever_is_posted_both_ways_give_the_same_answer_and_store_the_same(twins, body, query):
    answers = []
    for app in twins:
        client = app.test_client()
        sent = [("token", token(app)), *body]
        response = client.post(query, data=urlencode(sent), headers={
            "Content-Type": "application/x-www-form-urlencoded", **SAME_ORIGIN})
        answers.append((response.status_code, response.headers.get("Location")))
    assert answers[0] == answers[1]
    assert stored(twins[0]) == stored(twins[1])
    assert action_count(twins[0]) == action_count(twins[1]) == len(stored(twins[0]))
