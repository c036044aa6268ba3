"""Widget pages a worker keeps: answered with one query, a fresh token and nonce each time, and
never once anything they show has changed."""

import gzip
import re

import brotli
import pytest

from tests.conftest import SAME_ORIGIN
from tests.conftest import SUPPORTER
from tests.conftest import action_count
from tests.conftest import form_token
from tests.conftest import sign
from tests.conftest import statements_sent
from tests.test_call import single_district_zip
from tests.test_call import start
from tests.test_embedding import soup
from widget.embedding import partners
from widget.embedding import rendered
from widget.embedding.rendered import RenderedPages
from widget.embedding.rendered import cut
from widget.extensions import db
from widget.storage.models import Campaign

PAGE = "/embed/demo-petition?lang=en"


def kept_pages(app):
    middleware = app.wsgi_app
    while not isinstance(middleware, RenderedPages):
        middleware = middleware.wsgi_app
    return middleware.pages.answers


def nonce(response):
    return soup(response).find("style")["nonce"]


def test_a_page_asked_for_again_costs_one_query_and_differs_only_in_token_and_nonce(app, client):
    first = client.get(PAGE)
    with statements_sent(app) as sent:
        again = client.get(PAGE)
    assert [word for word, _ in sent] == ["SELECT"]

    assert again.status_code == 200 and again.headers["Content-Length"] == str(len(again.data))
    assert form_token(first) != form_token(again) and nonce(first) != nonce(again)
    assert f"'nonce-{nonce(again)}'" in again.headers["Content-Security-Policy"]
    assert nonce(first) not in again.headers["Content-Security-Policy"]
    same = first.get_data(as_text=True).replace(form_token(first), "T").replace(nonce(first), "N")
    assert again.get_data(as_text=True).replace(form_token(again), "T").replace(nonce(again), "N") == same
    per_response = {"Content-Security-Policy", "Content-Length"}  # a token's length varies by a character
    assert {k: v for k, v in first.headers if k not in per_response} == \
        {k: v for k, v in again.headers if k not in per_response}
    assert "Set-Cookie" not in again.headers


def test_each_kept_pages_token_is_good_for_one_signature(app, client):
    client.get(PAGE)
    tokens = [form_token(client.get(PAGE)) for _ in range(2)]
    for number, token in enumerate(tokens):
        response = sign(client, lang="en", token=token, email=f"kept{number}@example.org")
        assert response.status_code == 303
    assert action_count(app) == 2
    reused = sign(client, lang="en", token=tokens[0], email="again@example.org")
    assert reused.status_code == 400 and action_count(app) == 2


def test_a_signature_shows_in_the_count_at_once(app, client):
    client.get(PAGE)
    assert "Be the first to sign." in soup(client.get(PAGE)).get_text(" ")
    sign(client, lang="en")
    page = soup(client.get(PAGE))
    assert page.find(class_="progress__count").get_text(" ", strip=True).startswith("1 ")
    assert page.find("progress")["value"] == "1"


def test_closing_editing_and_partners_show_at_once(app, client):
    client.get(PAGE)
    client.get(PAGE + "&source=red-sv")
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        content = dict(campaign.content)
        content["en"] = {**content["en"], "title": "A new title"}
        campaign.content = content
        db.session.commit()
    assert soup(client.get(PAGE)).find("h1").get_text(strip=True) == "A new title"

    # A partner registered after its code was first seen, then its colour changed.
    with app.app_context():
        partners.add_partner("red-sv", "Red Solidaria SV", ["https://red.example.org"], "#ffdd00")
    assert "Red Solidaria SV" in client.get(PAGE + "&source=red-sv").get_data(as_text=True)
    with app.app_context():
        partners.update_partner("red-sv", accent_color="#1d4ed8")
    assert "#1d4ed8" in client.get(PAGE + "&source=red-sv").get_data(as_text=True)

    with app.app_context():
        db.session.query(Campaign).filter_by(slug="demo-petition").one().status = "closed"
        db.session.commit()
    closed = client.get(PAGE)
    assert closed.status_code == 200 and soup(closed).find("form") is None


def test_the_language_asked_for_by_the_browser_is_part_of_what_is_kept(client):
    spanish = client.get("/embed/demo-petition", headers={"Accept-Language": "es-MX,es;q=0.9"})
    english = client.get("/embed/demo-petition", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert soup(spanish).html["lang"] == "es" and soup(english).html["lang"] == "en"
    assert soup(client.get("/embed/demo-petition", headers={"Accept-Language": "es-MX,es;q=0.9"})).html["lang"] == "es"


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_kept_pages_are_compressed_for_browsers_that_take_it(client, encoding):
    client.get(PAGE)
    packed = client.get(PAGE, headers={"Accept-Encoding": f"{encoding}, deflate"})
    assert packed.headers["Content-Encoding"] == encoding and "Accept-Encoding" in packed.headers["Vary"]
    page = (brotli.decompress if encoding == "br" else gzip.decompress)(packed.data).decode()
    assert "<form" in page
    style_nonce = re.search(r'<style nonce="([^"]+)"', page)[1]
    assert f"'nonce-{style_nonce}'" in packed.headers["Content-Security-Policy"]


def test_only_so_many_pages_are_kept(app, client):
    for number in range(300):
        assert client.get(f"{PAGE}&made-up={number}").status_code == 200
    assert len(kept_pages(app)) == 256


def test_posts_thanks_and_unknown_campaigns_are_never_kept(app, client):
    client.get("/embed/no-such-campaign")
    client.post(PAGE, data={**SUPPORTER, "token": "forged"}, headers=SAME_ORIGIN)
    client.get("/embed/demo-petition/thanks?lang=en")
    assert kept_pages(app) == {}


def test_under_load_the_database_is_asked_once_a_second_and_the_page_then_catches_up(app, client, monkeypatch):
    app.config["PAGE_RECHECK_SECONDS"] = 1.0
    now = [1000.0]
    monkeypatch.setattr(rendered, "monotonic", lambda: now[0])
    client.get(PAGE)
    token = form_token(client.get(PAGE))
    with statements_sent(app) as sent:
        pages = [client.get(PAGE) for _ in range(5)]
    assert sent == [] and len({form_token(page) for page in pages} | {token}) == 6

    assert sign(client, lang="en", token=token).status_code == 303
    now[0] += 0.5
    assert soup(client.get(PAGE)).find("progress")["value"] == "0"  # half a second behind, at most one
    now[0] += 0.5
    with statements_sent(app) as sent:
        caught_up = client.get(PAGE)
    assert soup(caught_up).find("progress")["value"] == "1" and len(sent) > 1  # checked, then rendered again


def test_call_pages_are_kept_too_and_each_token_starts_one_call_in(app, client):
    client.get("/embed/demo-call?lang=en")
    with statements_sent(app) as sent:
        client.get("/embed/demo-call?lang=en")
    assert len(sent) == 1
    for _ in range(2):
        step = start(client, postal_code=single_district_zip(), city="Fresno")
        assert step.status_code == 200 and "Call 1 of 3" in step.get_data(as_text=True)


def test_each_address_scheme_partner_and_colour_has_its_own_page(app, client):
    with app.app_context():
        partners.add_partner("red-sv", "Red Solidaria SV", ["https://red.example.org"], "#ffdd00")
    plain = [client.get(PAGE) for _ in range(2)][1]
    secure = [client.get(PAGE, base_url="https://widgets.example.org") for _ in range(2)][1]
    assert "Strict-Transport-Security" not in plain.headers and "Strict-Transport-Security" in secure.headers
    credited = [client.get(PAGE + "&source=red-sv") for _ in range(2)][1]
    assert "Red Solidaria SV" in credited.get_data(as_text=True)
    assert "Red Solidaria SV" not in plain.get_data(as_text=True)
    assert "https://red.example.org" in credited.headers["Content-Security-Policy"]
    assert "https://red.example.org" not in plain.headers["Content-Security-Policy"]
    coloured = [client.get(PAGE + "&theme=%231d4ed8") for _ in range(2)][1]
    assert "#1d4ed8" in coloured.get_data(as_text=True) and "#1d4ed8" not in plain.get_data(as_text=True)


def test_a_page_is_kept_only_when_its_token_and_nonce_are_exactly_where_expected():
    headers = [("Content-Type", "text/html"), ("Content-Security-Policy", "style-src 'self' 'nonce-N0nce'")]
    page = b'<style nonce="N0nce"></style><input name="token" value="T0ken">'
    state = ("demo-petition", None, ("live", 1, 0, None))
    assert cut(state, "200 OK", headers, page, ["T0ken"], 0.0).holes == ["nonce", "token"]
    assert cut(state, "200 OK", headers, page.replace(b"T0ken", b"other"), ["T0ken"], 0.0) is None
    assert cut(state, "200 OK", headers, page + b"T0ken", ["T0ken"], 0.0) is None
    assert cut(state, "200 OK", headers, page, ["T0ken", "T1ken"], 0.0) is None
    assert cut(state, "200 OK", [headers[0]], page, ["T0ken"], 0.0) is None
    assert cut(state, "200 OK", [*headers, ("Set-Cookie", "a=b")], page, ["T0ken"], 0.0) is None
