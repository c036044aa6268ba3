"""Under load and through an outage: every signature counted exactly, nothing lost, no 500s."""

import os
import re
import shutil
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import event

from tests.conftest import DEMO_CAMPAIGNS
from tests.conftest import SUPPORTER
from tests.conftest import close_database
from tests.conftest import make_app
from tests.conftest import sign
from tests.servers import Gunicorn
from tests.servers import PrivatePostgres
from tests.servers import worker_pids
from widget.campaigns.loader import campaign_files
from widget.campaigns.loader import load_campaign_files
from widget.extensions import db
from widget.storage.models import CallReport
from widget.storage.models import Campaign
from widget.storage.models import Signature

pytestmark = pytest.mark.slow

PEOPLE = 300
REPEATS = 60


def token_from(html):
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def post_signature(form, token, email, timeout=60):
    """Send the petition form as a browser on our own page does, through a real server."""
    return requests.post(form, data={"token": token, **SUPPORTER, "email": email},
                         headers={"Sec-Fetch-Site": "same-origin"}, allow_redirects=False, timeout=timeout)


@pytest.fixture
def private_postgres():
    cluster = PrivatePostgres()
    cluster.start()
    yield cluster
    cluster.remove()


def test_hundreds_of_simultaneous_signatures_are_counted_exactly(database_url):
    """300 people and 60 repeats (same email, other capitals) at once, through 4 gunicorn workers."""
    server = Gunicorn(database_url, workers=4)
    server.setup()
    server.start()
    try:
        emails = [f"person{number}@example.org" for number in range(PEOPLE)]
        emails += [email.upper() for email in emails[:REPEATS]]
        form = f"{server.url}/embed/demo-petition?lang=es"

        with ThreadPoolExecutor(max_workers=50) as pool:
            tokens = list(pool.map(lambda _: token_from(requests.get(form, timeout=30).text), emails))

        start = threading.Event()

        def post(pair):
            email, token = pair
            start.wait()
            return post_signature(form, token, email).status_code

        with ThreadPoolExecutor(max_workers=100) as pool:
            posts = pool.map(post, zip(emails, tokens, strict=True))
            # A form sent within 2 seconds of being shown looks like a script: wait like a person,
            # then let the first hundred go at the same instant.
            threading.Event().wait(2.1)
            start.set()
            statuses = list(posts)
        counted = requests.get(f"{server.url}/api/v1/campaigns/demo-petition", timeout=10).json()["count"]
    finally:
        server.stop()

    assert statuses == [303] * len(emails)
    assert counted == PEOPLE
    app = make_app(database_url)
    with app.app_context():
        assert db.session.query(Signature).count() == PEOPLE
        assert db.session.query(Campaign.action_count).filter_by(slug="demo-petition").scalar() == PEOPLE
    close_database(app)


def test_a_database_outage_is_a_spanish_503_and_the_service_recovers_by_itself(private_postgres):
    app = make_app(private_postgres.url)
    assert app.test_cli_runner().invoke(args=["setup"]).exit_code == 0
    client = app.test_client()
    assert sign(client, email="before@example.org").status_code == 303
    waiting_token = token_from(client.get("/embed/demo-petition?lang=es").get_data(as_text=True))

    private_postgres.stop()
    page = client.get("/embed/demo-petition?lang=es")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "30"
    assert "No estamos disponibles por unos minutos" in page.get_data(as_text=True)
    assert "frame-ancestors *" in page.headers["Content-Security-Policy"]
    assert '<html lang="es">' in page.get_data(as_text=True)
    during = sign(client, token=waiting_token, email="during@example.org")
    assert during.status_code == 503
    assert "puede volver a intentarlo sin problema" in during.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json() == {"error": "We are briefly unavailable"}

    private_postgres.start()
    assert client.get("/healthz").status_code == 200
    assert client.get("/embed/demo-petition?lang=es").status_code == 200
    # The token was not spent by the failed attempt: the same form goes through now.
    assert sign(client, token=waiting_token, email="during@example.org").status_code == 303
    with app.app_context():
        emails = {row.email for row in db.session.query(Signature)}
        assert emails == {"before@example.org", "during@example.org"}
        assert db.session.query(Campaign.action_count).filter_by(slug="demo-petition").scalar() == 2
    close_database(app)


CALLERS = 60


def test_calls_reported_at_the_same_moment_are_counted_exactly(database_url):
    """60 callers at once, three offices each, every first report sent twice: 180 calls, exactly."""
    from tests.test_call import single_district_zip

    server = Gunicorn(database_url, workers=4)
    server.setup()
    server.start()
    form = f"{server.url}/embed/demo-call?lang=en"
    try:
        with ThreadPoolExecutor(max_workers=30) as pool:
            tokens = list(pool.map(lambda _: token_from(requests.get(form, timeout=30).text), range(CALLERS)))
        threading.Event().wait(2.1)

        def post(data):
            return requests.post(form, data=data, headers={"Sec-Fetch-Site": "same-origin"},
                                 allow_redirects=False, timeout=60)

        def call_everyone(token):
            step = post({"token": token, "step": "start", "postal_code": single_district_zip()})
            statuses = [step.status_code]
            for outcome in ("talked_to_staff", "left_voicemail", "no_answer"):
                visit = re.search(r'name="visit" value="([^"]+)"', step.text).group(1)
                report = {"visit": visit, "step": "report", "outcome": outcome}
                if outcome == "talked_to_staff":
                    # The same page sent twice at the same moment (a double tap): two workers race.
                    with ThreadPoolExecutor(max_workers=2) as pair:
                        twice = list(pair.map(post, [report, report]))
                    statuses.append(twice[0].status_code)
                    step = twice[1]
                else:
                    step = post(report)
                statuses.append(step.status_code)
            return statuses

        with ThreadPoolExecutor(max_workers=30) as pool:
            results = list(pool.map(call_everyone, tokens))
        counted = requests.get(f"{server.url}/api/v1/campaigns/demo-call", timeout=10).json()["count"]
    finally:
        server.stop()

    assert results == [[200, 200, 200, 200, 303]] * CALLERS
    assert counted == CALLERS * 3
    app = make_app(database_url)
    with app.app_context():
        assert db.session.query(CallReport).count() == CALLERS * 3
    close_database(app)


def test_a_worker_killed_under_load_loses_no_acknowledged_signature(database_url):
    server = Gunicorn(database_url, workers=2)
    server.setup()
    server.start()
    form = f"{server.url}/embed/demo-petition?lang=es"
    emails = [f"survivor{number}@example.org" for number in range(160)]
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            tokens = list(pool.map(lambda _: token_from(requests.get(form, timeout=30).text), emails))
        threading.Event().wait(2.1)  # a person takes a moment to fill in the form

        def post(pair):
            email, token = pair
            try:
                response = post_signature(form, token, email)
            except requests.RequestException:
                return None  # the connection died with the worker: the supporter saw an error
            return email if response.status_code == 303 else None

        with ThreadPoolExecutor(max_workers=16) as pool:
            futures = [pool.submit(post, pair) for pair in zip(emails, tokens, strict=True)]
            while sum(future.done() for future in futures) < 40:
                threading.Event().wait(0.01)
            victim = worker_pids(server.process.pid)[0]
            os.kill(victim, signal.SIGKILL)
            acknowledged = {future.result() for future in futures} - {None}
        counted = requests.get(f"{server.url}/api/v1/campaigns/demo-petition", timeout=10).json()["count"]
        assert victim not in worker_pids(server.process.pid), "gunicorn replaced the killed worker"
    finally:
        server.stop()

    assert len(acknowledged) > 100
    app = make_app(database_url)
    with app.app_context():
        stored = {row.email for row in db.session.query(Signature)}
        assert acknowledged <= stored, "an acknowledged signature was lost"
        count = db.session.query(Campaign.action_count).filter_by(slug="demo-petition").scalar()
        assert counted == len(stored) == count
    close_database(app)


def test_a_read_only_sqlite_file_is_a_clear_503(tmp_path, sqlite_template, caplog):
    path = tmp_path / "read-only.sqlite3"
    shutil.copyfile(sqlite_template, path)
    writable = make_app(f"sqlite:///{path}")
    with writable.app_context():
        load_campaign_files(campaign_files(DEMO_CAMPAIGNS))
    close_database(writable)
    app = make_app(f"sqlite:///file:{path}?mode=ro&uri=true")
    client = app.test_client()
    assert client.get("/embed/demo-petition?lang=es").status_code == 200  # reading still works
    refused = sign(client)
    assert refused.status_code == 503 and "No se guardó nada" in refused.get_data(as_text=True)
    assert "attempt to write a readonly database" in caplog.text
    close_database(app)


def test_a_full_sqlite_file_is_a_clear_503(tmp_path, sqlite_template, caplog):
    path = tmp_path / "full.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        load_campaign_files(campaign_files(DEMO_CAMPAIGNS))

        @event.listens_for(db.engine, "connect")
        def no_room_to_grow(connection, _):
            pages = connection.execute("PRAGMA page_count").fetchone()[0]
            connection.execute(f"PRAGMA max_page_count = {pages}")

        db.engine.dispose()
    client = app.test_client()
    emails = (f"filler{number}@example.org" for number in range(400))
    statuses = {sign(client, email=next(emails), city="x" * 90).status_code for _ in range(400)}
    assert 503 in statuses and 500 not in statuses
    assert "database or disk is full" in caplog.text
    close_database(app)


def test_two_servers_on_one_database_act_as_one(database_url):
    """Behind a load balancer: a form shown by one server is taken by the other, once only."""
    first, second = Gunicorn(database_url, workers=2), Gunicorn(database_url, workers=2)
    first.setup()
    for server in (first, second):
        server.start()
    try:
        tokens = [token_from(requests.get(f"{first.url}/embed/demo-petition?lang=es", timeout=10).text)
                  for _ in range(20)]
        threading.Event().wait(2.1)

        def post(server, token, email):
            return post_signature(f"{server.url}/embed/demo-petition?lang=es", token, email, timeout=30)

        statuses = [post((first, second)[number % 2], token, f"lb{number}@example.org").status_code
                    for number, token in enumerate(tokens)]
        # A token spent on one server is spent on the other too.
        replayed = post(second, tokens[0], "replay@example.org")
        counts = {requests.get(f"{server.url}/api/v1/campaigns/demo-petition", timeout=10).json()["count"]
                  for server in (first, second)}
    finally:
        first.stop()
        second.stop()
    assert statuses == [303] * 20
    assert replayed.status_code == 400 and "ya se había enviado" in replayed.text
    assert counts == {20}
