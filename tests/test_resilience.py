"""Under load and through an outage: every signature counted exactly, nothing lost, no 500s."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import SUPPORTER
from tests.conftest import close_database
from tests.conftest import make_app
from tests.conftest import sign
from tests.servers import Gunicorn
from tests.servers import PrivatePostgres
from widget.extensions import db
from widget.storage.models import CallReport
from widget.storage.models import Campaign
from widget.storage.models import Signature

pytestmark = pytest.mark.slow

PEOPLE = 300
REPEATS = 60


def token_from(html):
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


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
            return requests.post(
                form,
                data={"token": token, **SUPPORTER, "email": email},
                headers={"Sec-Fetch-Site": "same-origin"},
                allow_redirects=False,
                timeout=60,
            ).status_code

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
