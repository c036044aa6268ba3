"""Abuse controls: rate limits per address, per email on a campaign and on the organizers'
sign-in, answered with a translated 429 inside the widget's frame; shared through Redis."""

import secrets
import shutil
import time

import pytest
import redis
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from tests.conftest import DEMO_CAMPAIGNS
from tests.conftest import SAME_ORIGIN
from tests.conftest import action_count
from tests.conftest import close_database
from tests.conftest import make_app
from tests.conftest import sign
from tests.test_call import single_district_zip
from tests.test_call import start
from widget.campaigns.loader import campaign_files
from widget.campaigns.loader import load_campaign_files
from widget.errors import wait_before_trying_again
from widget.security.limits import LIMITER
from widget.security.limits import SweptMemoryStorage

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def limited(tmp_path, sqlite_template):
    """An app factory on one SQLite database, with limits as a test sets them."""
    database = tmp_path / "limits.sqlite3"
    shutil.copyfile(sqlite_template, database)
    apps = []

    def make(**limits):
        app = make_app(f"sqlite:///{database}", **limits)
        with app.app_context():
            load_campaign_files(campaign_files(DEMO_CAMPAIGNS))
        apps.append(app)
        return app

    yield make
    for app in apps:
        close_database(app)


def test_one_address_sending_too_often_gets_a_spanish_429_in_the_frame(limited):
    app = limited(RATE_LIMIT_PER_ADDRESS="3 per minute")
    client = app.test_client()
    for number in range(3):
        assert sign(client, email=f"person{number}@example.org").status_code < 400
    refused = sign(client, email="person3@example.org")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "No se guardó nada. Espere un minuto e inténtelo de nuevo." in page and '<html lang="es">' in page
    assert "frame-ancestors *" in refused.headers["Content-Security-Policy"]
    assert refused.headers["Retry-After"] == "60"  # the limit's window, whoever else is counted in it
    assert action_count(app) == 3
    # Reading is never limited: the widget still shows.
    assert client.get("/embed/demo-petition?lang=es").status_code == 200
    # Another address is a different person.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    assert sign(other, email="person4@example.org").status_code < 400


def test_one_email_from_one_address_on_one_campaign_is_limited(limited):
    app = limited(RATE_LIMIT_PER_EMAIL="2 per hour")
    client = app.test_client()
    for _ in range(2):
        assert sign(client, email="Same.Person@example.org").status_code < 400
    refused = sign(client, email="same.person@EXAMPLE.org", lang="en")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "3600"  # the limit's window
    # Most likely someone unsure whether their signature went through: not told "nothing was saved".
    page = refused.get_data(as_text=True)
    assert "This email address was sent several times" in page and "Nothing was saved" not in page
    assert ("If you have already signed with it, your signature counts and there is nothing more to do. "
            "If not, please wait an hour and try again.") in page
    assert sign(client, email="someone.else@example.org").status_code < 400
    assert action_count(app) == 2


def probe(app, email, address="203.0.113.66", tries=4):
    """What someone at another address sees posting an email address with a forged token, again and again."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    answers = []
    for _ in range(tries):
        response = sign(client, email=email, token="forged")
        headers = sorted((name, value) for name, value in response.headers.items()
                         if name.lower() not in ("content-security-policy", "content-length"))
        answers.append((response.status_code, headers))
    return answers


def test_nobody_can_learn_from_the_limits_whether_someone_signed(limited):
    app = limited(RATE_LIMIT_PER_EMAIL="3 per hour")
    victim = app.test_client()
    victim.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert sign(victim, email="ana@example.org").status_code == 303
    # The same tries, the same answers, header for header, for her address and one never used.
    signed, never_used = probe(app, "ana@example.org"), probe(app, "nobody@example.org", address="203.0.113.67")
    assert [status for status, _ in signed] == [400, 400, 400, 429]
    assert signed == never_used
    assert not any(name.lower().startswith("x-ratelimit") for _, headers in signed for name, _ in headers)
    # And she can still sign again (a repeat, counted once) from her own address.
    assert sign(victim, email="ana@example.org").status_code == 303
    assert action_count(app) == 1


def test_the_counters_hold_no_address_in_clear(limited):
    app = limited()
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    assert sign(client, email="someone@example.org").status_code == 303
    keys = " ".join(app.extensions[LIMITER].storage.events)
    assert keys and "198.51.100.23" not in keys


def test_one_ipv6_network_counts_as_one_address(limited):
    app = limited(RATE_LIMIT_PER_ADDRESS="2 per minute")

    def sign_from(address, number):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return sign(client, email=f"person{number}@example.org").status_code

    # Addresses in one /64 are one home's or one phone's, free to change: counted together.
    assert sign_from("2001:db8:1:2::10", 1) == 303 and sign_from("2001:db8:1:2:ffff::1", 2) == 303
    assert sign_from("2001:db8:1:2::99", 3) == 429
    assert sign_from("2001:db8:1:3::10", 4) == 303  # the next /64 is someone else
    # An IPv4 address written into IPv6 is that IPv4 address.
    assert sign_from("198.51.100.40", 5) == 303 and sign_from("::ffff:198.51.100.40", 6) == 303
    assert sign_from("198.51.100.40", 7) == 429


def test_call_steps_carry_no_email_and_are_only_limited_per_address(limited):
    app = limited(RATE_LIMIT_PER_EMAIL="1 per hour")
    client = app.test_client()
    for _ in range(3):
        assert start(client, postal_code=single_district_zip()).status_code == 200


def test_password_guessing_is_slowed(limited):
    app = limited(RATE_LIMIT_SIGN_IN="2 per minute")
    client = app.test_client()
    for _ in range(2):
        assert client.post("/dashboard/sign-in", data={"username": "x", "password": "y"}).status_code == 400
    refused = client.post("/dashboard/sign-in?lang=es", data={"username": "x", "password": "y"})
    assert refused.status_code == 429 and "frame-ancestors 'none'" in refused.headers["Content-Security-Policy"]
    # A sign-in saves nothing anyone typed, so the page only says how long to wait.
    page = refused.get_data(as_text=True)
    assert "Espere un minuto e inténtelo de nuevo." in page and "No se guardó" not in page


@pytest.mark.parametrize(("seconds", "english", "spanish"), [
    (1, "Please wait a minute and try again.", "Espere un minuto e inténtelo de nuevo."),
    (61, "Please wait 2 minutes and try again.", "Espere 2 minutos e inténtelo de nuevo."),
    (60 * 60, "Please wait an hour and try again.", "Espere una hora e inténtelo de nuevo."),
    (24 * 60 * 60, "Please wait 24 hours and try again.", "Espere 24 horas e inténtelo de nuevo."),
])
def test_a_429_says_how_long_the_limits_window_is(limited, seconds, english, spanish):
    app = limited()
    for language, expected, nothing_saved in (("en", english, "Nothing was saved. "),
                                              ("es", spanish, "No se guardó nada. ")):
        with app.test_request_context(f"/embed/demo-petition?lang={language}"):
            assert str(wait_before_trying_again(seconds)) == nothing_saved + expected
            assert str(wait_before_trying_again(seconds, "sign-in")) == expected


def test_with_redis_every_server_shares_the_count(limited):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not answering on 127.0.0.1:6379: see ../shared/README.md")
    shared = {"REDIS_URL": REDIS_URL, "RATE_LIMIT_KEY_PREFIX": f"test-{secrets.token_hex(4)}",
              "RATE_LIMIT_PER_ADDRESS": "3 per minute"}
    first, second = limited(**shared).test_client(), limited(**shared).test_client()
    assert sign(first, email="a@example.org").status_code < 400
    assert sign(second, email="b@example.org").status_code < 400
    assert sign(first, email="c@example.org").status_code < 400
    assert sign(second, email="d@example.org").status_code == 429
    assert first.post("/embed/demo-petition?lang=es", data={}, headers=SAME_ORIGIN).status_code == 429
    # What Redis holds (and may write to disk) names no supporter's address.
    keys = b" ".join(redis.Redis.from_url(REDIS_URL).keys(f"*{shared['RATE_LIMIT_KEY_PREFIX']}*"))
    assert keys and b"127.0.0.1" not in keys


def test_counters_in_memory_are_tidied_every_few_seconds_not_after_every_post(limited):
    app = limited(RATE_LIMIT_PER_EMAIL="2 per hour")
    storage = app.extensions[LIMITER].storage
    assert isinstance(storage, SweptMemoryStorage)
    for number in range(3):
        sign(app.test_client(), email=f"person{number}@example.org")
    # limits' own hook is replaced: a sweep waits its few seconds, in a thread no exit waits for.
    assert storage.timer.interval == SweptMemoryStorage.SWEEP_EVERY and storage.timer.daemon
    # A sweep still lets go of what has expired.
    storage.timer.cancel()
    storage.SWEEP_EVERY = 0.05
    strategy, second = MovingWindowRateLimiter(storage), parse("1 per second")
    assert strategy.hit(second, "gone-soon") and not strategy.hit(second, "gone-soon")
    time.sleep(1.1)
    strategy.hit(second, "another")  # starts the next sweep
    storage.timer.join()
    kept = {key.split("/")[1]: len(entries) for key, entries in storage.events.items()}
    assert kept["gone-soon"] == 0 and kept["another"] == 1


def test_a_limits_release_without_the_hook_falls_back_to_its_own_storage(limited, monkeypatch, caplog):
    monkeypatch.setattr(SweptMemoryStorage, "PARENT_HOOKS", ("_MemoryStorage__renamed_in_a_new_release",))
    app = limited(RATE_LIMIT_PER_ADDRESS="1 per minute")
    assert type(app.extensions[LIMITER].storage) is MemoryStorage
    assert "limits' memory storage has changed" in caplog.text
    assert sign(app.test_client(), email="a@example.org").status_code < 400
    assert sign(app.test_client(), email="b@example.org").status_code == 429
