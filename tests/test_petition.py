"""The petition widget through real HTTP: showing, signing once, refusing what it must."""

import re
import sys
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from itsdangerous import TimestampSigner
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import MultiDict

from tests.conftest import DEMO_SLUGS
from tests.conftest import SAME_ORIGIN
from tests.conftest import SUPPORTER
from tests.conftest import action_count
from tests.conftest import count_rows
from tests.conftest import form_token
from tests.conftest import sign
from widget.extensions import db
from widget.forms import CONTROL_CHARACTERS
from widget.organizers.privacy import erase_supporter
from widget.petition.signatures import UNCHANGED_SINCE
from widget.petition.signatures import Outcome
from widget.petition.signatures import one_statement_values
from widget.petition.signatures import record_signature
from widget.security.form_token import FormToken
from widget.storage import counting
from widget.storage.models import Campaign
from widget.storage.models import Signature
from widget.storage.models import SpentFormToken
from widget.storage.models import uncounted_actions
from widget.storage.models import utcnow


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(response):
    return " ".join(soup(response).get_text(" ").split())


def field_value(response, name):
    return soup(response).find("input", attrs={"name": name}).get("value")


def set_status(app, status, slug="demo-petition"):
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug=slug).one()
        campaign.status = status
        db.session.commit()


# Showing the form


def test_form_has_every_autocomplete_token_phones_need(client):
    page = soup(client.get("/embed/demo-petition?lang=en"))
    tokens = {field["name"]: field.get("autocomplete") for field in page.select("input.field__input")}
    assert tokens == {
        "given_name": "given-name",
        "family_name": "family-name",
        "email": "email",
        "city": "address-level2",
        "postal_code": "postal-code",
    }
    assert page.find("input", attrs={"name": "email"})["type"] == "email"
    assert page.find("input", attrs={"name": "token"})["type"] == "hidden"


def test_every_field_can_be_shown_with_its_token(app, client):
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        campaign.settings = {
            **campaign.settings,
            "fields": {
                "shown": ["given_name", "family_name", "email", "city", "postal_code", "country"],
                "required": ["email"],
            },
        }
        db.session.commit()
    page = soup(client.get("/embed/demo-petition?lang=en"))
    country = page.find("input", attrs={"name": "country"})
    assert country["autocomplete"] == "country-name"
    assert "(optional)" in page.find("label", attrs={"for": "country"}).get_text()
    assert page.find("input", attrs={"name": "email"}).has_attr("required")


@pytest.mark.parametrize(
    ("query", "accept_language", "expected"),
    [
        ("?lang=en", "es", "en"),
        ("?lang=es", "en", "es"),
        ("?lang=EN-gb", None, "en"),
        ("?page_lang=en-US", "es", "en"),
        ("?lang=es&page_lang=en", None, "es"),
        ("", "en-US,en;q=0.9", "en"),
        ("", "es-MX,es;q=0.9,en;q=0.5", "es"),
        ("", "fr-FR", "es"),  # the campaign's default language
        ("", None, "es"),
        ("?lang=xx", "en", "en"),  # a language we do not have is ignored
        ("?lang=" + "e" * 500, None, "es"),
    ],
)
def test_language_is_chosen_in_the_documented_order(client, query, accept_language, expected):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    page = soup(client.get(f"/embed/demo-petition{query}", headers=headers))
    assert page.html["lang"] == expected


def test_spanish_widget_reads_in_spanish(client):
    response = client.get("/embed/demo-petition?lang=es")
    words = text_of(response)
    for expected in ("Alto a las detenciones masivas y arbitrarias", "Nombre", "Apellidos",
                     "Correo electrónico", "Firmar la petición", "Sea la primera persona en firmar",
                     "Meta: 1,000 firmas",
                     "Lo que recibe el presidente de la República: solo su nombre completo y su ciudad.",
                     "Su correo electrónico nunca se entrega junto con su firma ni se publica."):
        assert expected in words
    for english in ("Sign the petition", "First name", "Goal"):
        assert english not in words


def test_english_widget_reads_in_english(client):
    words = text_of(client.get("/embed/demo-petition?lang=en"))
    assert "What the President of the Republic receives: only your name and your city." in words
    assert "Goal: 1,000 signatures" in words
    assert "Be the first to sign." in words


def test_language_switch_links_to_each_language_and_keeps_the_source(client):
    page = soup(client.get("/embed/demo-petition?lang=es&source=partner-1"))
    links = {a["hreflang"]: a for a in page.select(".language-switch a")}
    assert set(links) == {"es", "en"}
    assert links["es"].get("aria-current") == "true"
    assert "source=partner-1" in links["en"]["href"] and "lang=en" in links["en"]["href"]
    assert soup(client.get(links["en"]["href"])).html["lang"] == "en"


def test_privacy_promise_sits_beside_the_button(client):
    page = soup(client.get("/embed/demo-petition?lang=en"))
    button = page.select_one(".form__submit button")
    promise = page.select_one(".form__submit #privacy-promise")
    assert button["aria-describedby"] == "privacy-promise"
    assert "only your name and your city" in promise.get_text()


def test_privacy_promise_follows_what_the_campaign_delivers(app, client):
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        campaign.settings = {**campaign.settings, "delivered_fields": ["given_name", "city", "postal_code"]}
        db.session.commit()
    promise = soup(client.get("/embed/demo-petition?lang=es")).select_one("#privacy-promise").get_text()
    assert "solo su nombre (sin apellidos), su ciudad y su código postal" in promise


def test_opt_in_is_unchecked_by_default(client):
    box = soup(client.get("/embed/demo-petition?lang=en")).find("input", attrs={"name": "opt_in"})
    assert box["type"] == "checkbox" and not box.has_attr("checked")


def test_counter_and_goal_are_localized_and_the_goal_steps_up(app, client):
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        campaign.counted_actions = 1234
        db.session.commit()
    english = text_of(client.get("/embed/demo-petition?lang=en"))
    spanish = text_of(client.get("/embed/demo-petition?lang=es"))
    assert "1,234 people have signed" in english and "Goal: 2,000 signatures" in english
    # Spanish for the Americas writes thousands with a comma (es_419), as configured by default.
    assert "1,234 personas ya firmaron" in spanish and "Meta: 2,000 firmas" in spanish
    bar = soup(client.get("/embed/demo-petition?lang=en")).select_one("progress")
    assert (bar["value"], bar["max"]) == ("1234", "2000")


def test_one_signature_reads_in_the_singular(client):
    sign(client)
    assert "1 persona ya firmó" in text_of(client.get("/embed/demo-petition?lang=es"))
    assert "1 person has signed" in text_of(client.get("/embed/demo-petition?lang=en"))


# Signing


def test_signing_stores_the_signature_counts_it_and_thanks(app, client):
    response = sign(client, lang="en", source="partner-7", opt_in="y")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/embed/demo-petition/thanks?")
    assert "source=partner-7" in response.headers["Location"]
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200
    assert soup(thanks).html["lang"] == "en"
    assert "Thank you for signing!" in text_of(thanks)
    with app.app_context():
        signature = db.session.query(Signature).one()
        assert (signature.given_name, signature.family_name, signature.city) == ("Ana", "Pérez", "San Salvador")
        assert signature.email == "ana@example.org" and len(signature.email_key) == 64
        assert "ana" not in signature.email_key
        assert signature.source == "partner-7" and signature.language == "en"
        assert signature.opted_in is True
        assert signature.ip_digest and "127.0.0.1" not in signature.ip_digest
    assert action_count(app) == 1


def test_opt_in_is_off_unless_ticked(app, client):
    sign(client)
    with app.app_context():
        assert db.session.query(Signature).one().opted_in is False


# A code with a line break after it would be a code of its own, credited to nobody.
@pytest.mark.parametrize("source", ["%3Cscript%3Ealert(1)%3C/script%3E", "demo-partner%0A"])
def test_a_malformed_source_code_is_dropped(app, client, source):
    response = sign(client, source=source)
    assert response.status_code == 303 and "source" not in response.headers["Location"]
    with app.app_context():
        assert db.session.query(Signature).one().source is None


def without_nonce(response):
    return re.sub(r'nonce="[^"]+"', "", response.get_data(as_text=True))


def test_the_same_email_is_counted_once_and_gets_the_identical_thank_you(app, client):
    first = sign(client, email="Ana@Example.org")
    first_page = client.get(first.headers["Location"])
    again = sign(client, email="ana@example.ORG", given_name="Someone", family_name="Else")
    again_page = client.get(again.headers["Location"])
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    # What the repeat sees, byte for byte (but the per-response CSP nonce), is what a first
    # signer sees: nobody can learn from it whether an address had signed.
    assert without_nonce(first_page) == without_nonce(again_page)
    assert count_rows(app, Signature) == 1
    assert action_count(app) == 1
    with app.app_context():
        assert db.session.query(Signature).one().given_name == "Ana"


def test_different_people_are_each_counted(app, client):
    for number in range(3):
        sign(client, email=f"person{number}@example.org")
    assert action_count(app) == count_rows(app, Signature) == 3


def test_no_widget_response_sets_a_cookie(client):
    responses = [client.get("/embed/demo-petition"), sign(client), sign(client, email="bad")]
    responses.append(client.get("/embed/demo-petition/thanks"))
    for response in responses:
        assert "Set-Cookie" not in response.headers


def test_signing_works_with_javascript_off_and_no_cookies_at_all(app):
    """A browser with JavaScript and cookies off: plain form post, new client each request."""
    first = app.test_client(use_cookies=False)
    token = form_token(first.get("/embed/demo-petition?lang=es"))
    second = app.test_client(use_cookies=False)
    response = second.post(
        "/embed/demo-petition",
        data={"token": token, **SUPPORTER},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    )
    assert response.status_code == 303
    assert action_count(app) == 1


# Field errors


def test_missing_fields_get_spanish_errors_and_the_form_stays_filled(app, client):
    response = sign(client, given_name="", email="", city="Santa Ana")
    assert response.status_code == 422
    words = text_of(response)
    assert "Corrija los 2 campos que se indican abajo." in words
    assert "Escriba su nombre." in words and "Escriba su correo electrónico." in words
    assert field_value(response, "city") == "Santa Ana"
    assert field_value(response, "family_name") == "Pérez"
    first = soup(response).find("input", attrs={"name": "given_name"})
    assert first["aria-invalid"] == "true" and first.has_attr("data-focus")
    assert first["aria-describedby"] == "given_name-error"
    assert count_rows(app, Signature) == 0


def test_a_bad_email_is_explained_in_english(client):
    response = sign(client, lang="en", email="ana at example")
    assert response.status_code == 422
    assert "Please enter an email address like name@example.org." in text_of(response)
    assert field_value(response, "email") == "ana at example"


def test_a_fresh_token_comes_with_every_error_page(client):
    response = sign(client, email="")
    response_token = form_token(response)
    retry = sign(client, token=response_token)
    assert retry.status_code == 303


# The form token


def test_a_missing_or_forged_token_asks_to_try_again_with_the_form_filled(app, client):
    for token in ("", "forged.token.value", "x" * 5000):
        response = sign(client, token=token)
        assert response.status_code == 400
        assert "Sus datos siguen aquí: envíelo de nuevo." in text_of(response)
        assert field_value(response, "email") == SUPPORTER["email"]
    assert count_rows(app, Signature) == 0


def test_a_used_token_cannot_be_used_again(app, client):
    token = form_token(client.get("/embed/demo-petition"))
    assert sign(client, token=token).status_code == 303
    replay = sign(client, token=token, lang="en", email="someone.else@example.org")
    assert replay.status_code == 400
    assert "please send it again" in text_of(replay)
    assert field_value(replay, "email") == "someone.else@example.org"
    assert action_count(app) == count_rows(app, Signature) == 1


def test_an_expired_token_asks_to_try_again(app, client, monkeypatch):
    six_hours_and_a_bit = 6 * 60 * 60 + 5
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - six_hours_and_a_bit)
    stale = form_token(client.get("/embed/demo-petition"))
    monkeypatch.undo()
    response = sign(client, token=stale, lang="en")
    assert response.status_code == 400
    assert "open for a long time" in text_of(response)
    assert count_rows(app, Signature) == 0


def test_a_token_from_another_campaign_is_refused(app, client):
    with app.app_context():
        from widget.security.form_token import issue_form_token

        with app.test_request_context():
            other = issue_form_token("another-campaign")
    assert sign(client, token=other).status_code == 400
    assert count_rows(app, Signature) == 0


def test_spent_tokens_are_kept_only_until_they_expire(app, client):
    sign(client)
    from widget.security.form_token import forget_expired_tokens

    with app.app_context():
        assert db.session.query(SpentFormToken).count() == 1
        assert forget_expired_tokens() == 0
        token = db.session.query(SpentFormToken).one()
        token.expires_at = token.expires_at.replace(year=2000)
        db.session.commit()
        assert forget_expired_tokens() == 1


def test_correcting_an_error_does_not_restart_the_fill_time(app, client):
    """Someone who fixes a typo and resends at once has been filling the form all along."""
    app.config["FORM_MIN_FILL_SECONDS"] = 1
    token = form_token(client.get("/embed/demo-petition?lang=en"))
    time.sleep(1.1)
    corrected = form_token(sign(client, lang="en", token=token, email="typo@"))
    assert sign(client, lang="en", token=corrected).status_code == 303


def test_changing_language_shows_the_form_again_as_typed_and_keeps_nothing(app, client):
    """The widget's script posts what was typed to the other language's address (step=language):
    the same form comes back in that language, filled in, with no error, and nothing is signed,
    spent or counted, however complete the form is. Its fill time still runs from the first view."""
    app.config["FORM_MIN_FILL_SECONDS"] = 1
    token = form_token(client.get("/embed/demo-petition?lang=es"))
    time.sleep(1.1)
    switched = sign(client, lang="en", token=token, step="language", opt_in="y", website="")
    assert switched.status_code == 200
    page = soup(switched)
    assert page.html["lang"] == "en" and "Sign the petition" in text_of(switched)
    assert {name: field_value(switched, name) for name in SUPPORTER} == SUPPORTER
    assert page.find("input", attrs={"name": "opt_in"}).has_attr("checked")
    assert not page.select(".field--invalid, .notice, .error-summary")
    assert action_count(app) == count_rows(app, Signature) == count_rows(app, SpentFormToken) == 0
    # Signed at once from the page it came back as: the form has been open for over a second.
    assert sign(client, lang="en", token=form_token(switched)).status_code == 303
    assert action_count(app) == count_rows(app, Signature) == 1


def test_changing_language_with_a_bad_token_or_empty_fields_still_just_shows_the_form(app, client):
    for fields in ({"token": "forged"}, {"token": "", "email": "", "given_name": ""}):
        switched = sign(client, lang="en", step="language", **fields)
        assert switched.status_code == 200 and not soup(switched).select(".field--invalid, .notice")
        assert form_token(switched)  # a good one, to sign with
    assert count_rows(app, Signature) == count_rows(app, SpentFormToken) == 0


def test_changing_language_does_not_count_against_the_limit_per_email(app, client):
    app.config["RATE_LIMIT_PER_EMAIL"] = "2 per hour"
    for _ in range(3):
        assert sign(client, lang="en", step="language").status_code == 200
    assert sign(client, lang="en").status_code == 303


def test_a_form_sent_faster_than_a_person_can_type_is_not_stored(app, client):
    app.config["FORM_MIN_FILL_SECONDS"] = 30
    response = sign(client, lang="en")
    assert response.status_code == 400
    assert "That was very quick!" in text_of(response)
    assert field_value(response, "given_name") == "Ana"
    assert count_rows(app, Signature) == 0


def test_the_honeypot_gets_the_same_thank_you_and_stores_nothing(app, client):
    person = sign(client)
    bot = sign(client, website="http://spam.example", email="bot@example.org")
    assert bot.status_code == 303 and bot.headers["Location"] == person.headers["Location"]
    assert count_rows(app, Signature) == 1


# Posts from other sites


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": None, "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": None, "Origin": "null"},
    ],
)
def test_posts_made_by_other_sites_are_refused(app, client, headers):
    token = form_token(client.get("/embed/demo-petition"))
    sent = {key: value for key, value in headers.items() if value is not None}
    response = client.post(
        "/embed/demo-petition?lang=es",
        data={"token": token, **SUPPORTER},
        headers=sent,
    )
    assert response.status_code == 403
    assert "Por su seguridad" in text_of(response)
    assert count_rows(app, Signature) == 0


def test_a_post_with_our_own_origin_is_accepted(client):
    token = form_token(client.get("/embed/demo-petition"))
    response = client.post(
        "/embed/demo-petition",
        data={"token": token, **SUPPORTER},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 303


# Hostile and unusual input


HOSTILE = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "Robert'); DROP TABLE signatures;--",
    "' OR 1=1 --",
    "{{ 7*7 }}",
    "%(name)s",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_is_stored_as_text_and_always_escaped(app, client, value):
    response = sign(client, given_name=value, email="", city=value)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert value not in body or value in ("' OR 1=1 --", "{{ 7*7 }}", "%(name)s")
    assert "<script>alert" not in body and "<img src=x" not in body
    assert field_value(response, "given_name") == value
    assert sign(client, given_name=value, city=value).status_code == 303
    with app.app_context():
        signature = db.session.query(Signature).one()
        assert signature.given_name == value and signature.city == value
        assert db.session.query(Campaign).count() == len(DEMO_SLUGS)


def test_invisible_and_direction_changing_characters_are_removed(app, client):
    sign(client, given_name="\u202eAna\u200b", family_name="Pé\u200drez", city="  San \n Salvador ")
    with app.app_context():
        signature = db.session.query(Signature).one()
        assert signature.given_name == "Ana"
        assert signature.family_name == "Pé\u200drez"  # joiners that scripts need are kept
        assert signature.city == "San Salvador"


def test_text_is_stored_in_composed_unicode(app, client):
    sign(client, given_name="Jose\u0301")
    with app.app_context():
        assert db.session.query(Signature).one().given_name == "José"


def test_control_characters_are_unicodes_own_list():
    """The pattern is the whole of category Cc, and nothing else."""
    every_character = "".join(map(chr, range(sys.maxunicode + 1)))
    controls = [character for character in every_character if unicodedata.category(character) == "Cc"]
    assert CONTROL_CHARACTERS.findall(every_character) == controls


@pytest.mark.parametrize("value", ["Ana\x00", "Ana\x07", "\x1b[31mAna", "Ana\x7f", "Ana\x9b1m"])
def test_control_characters_are_refused_with_a_message(app, client, value):
    response = sign(client, lang="en", given_name=value)
    assert response.status_code == 422
    assert "Please remove the special characters from this field." in text_of(response)
    assert count_rows(app, Signature) == 0


def test_right_to_left_names_are_welcome(app, client):
    assert sign(client, given_name="مريم", family_name="אברהם").status_code == 303
    with app.app_context():
        assert db.session.query(Signature).one().given_name == "مريم"


def test_ten_thousand_characters_get_a_length_error(app, client):
    response = sign(client, lang="es", given_name="a" * 10_000, city="b" * 10_000)
    assert response.status_code == 422
    assert "Use como máximo 100 caracteres." in text_of(response)
    assert count_rows(app, Signature) == 0


def test_a_huge_body_is_refused_before_it_is_read(app, client):
    response = sign(client, lang="en", given_name="a" * 200_000)
    assert response.status_code == 413
    assert "That was too much text" in text_of(response)
    assert count_rows(app, Signature) == 0


def test_an_empty_post_gets_errors_not_a_crash(app, client):
    response = client.post("/embed/demo-petition", data={}, headers=SAME_ORIGIN)
    assert response.status_code == 400
    assert count_rows(app, Signature) == 0


def test_repeated_fields_use_the_first_value(app, client):
    token = form_token(client.get("/embed/demo-petition"))
    data = MultiDict([("token", token), *SUPPORTER.items(), ("given_name", "Second")])
    response = client.post("/embed/demo-petition", data=data, headers=SAME_ORIGIN)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.query(Signature).one().given_name == "Ana"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_not_allowed(client, method):
    response = client.open("/embed/demo-petition", method=method)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


# Campaigns that are not open


def test_an_unknown_campaign_is_a_styled_404_in_the_widgets_language(client):
    response = client.get("/embed/no-such-campaign?lang=es")
    assert response.status_code == 404
    page = soup(response)
    assert page.html["lang"] == "es"
    assert "No encontramos esta página" in page.get_text()
    assert page.find("link", rel="stylesheet")
    english = client.get("/embed/no-such-campaign", headers={"Accept-Language": "en"})
    assert "Page not found" in text_of(english)


@pytest.mark.parametrize("slug", ["x" * 500, "%00", "..%2F..%2Fetc%2Fpasswd", "ñandú", "<b>"])
def test_strange_slugs_are_a_404(client, slug):
    assert client.get(f"/embed/{slug}").status_code == 404


def test_a_draft_campaign_is_not_public(app, client):
    set_status(app, "draft")
    assert client.get("/embed/demo-petition").status_code == 404
    assert sign(client, token="irrelevant").status_code == 404


def test_a_closed_campaign_says_so_and_takes_no_signatures(app, client):
    sign(client)
    token = form_token(client.get("/embed/demo-petition"))
    set_status(app, "closed")
    page = client.get("/embed/demo-petition?lang=es")
    assert page.status_code == 200
    words = text_of(page)
    assert "Esta petición ya está cerrada" in words and "En total, firmó 1 persona." in words
    assert "Sea la primera" not in words and not soup(page).find("progress")
    assert not soup(page).find("form")
    late = sign(client, token=token, email="late@example.org")
    assert late.status_code == 409
    assert action_count(app) == count_rows(app, Signature) == 1


def test_a_petition_closed_while_a_signature_is_stored_keeps_nothing(app):
    """The view read the campaign as live; it closes before the count is raised: all rolls back."""
    token = FormToken(nonce="closing-race-nonce", issued_at=utcnow(), issued_at_precise=time.time())
    with app.app_context():
        campaign_id = db.session.query(Campaign.id).filter_by(slug="demo-petition").scalar()
    set_status(app, "closed")
    with app.app_context():
        outcome = record_signature(campaign_id, SUPPORTER, token=token, language="es", source=None,
                                   opted_in=False, consented=False, ip_digest=None)
        db.session.rollback()
    assert outcome is Outcome.CLOSED
    assert count_rows(app, Signature) == count_rows(app, SpentFormToken) == action_count(app) == 0


def test_each_outcome_of_storing_a_signature_is_the_same_on_both_databases(app):
    """One statement on each (PostgreSQL's WITH, SQLite's view and trigger): the campaign is
    checked first, then the token; whatever is refused leaves nothing written."""
    with app.app_context():
        campaign_id, revision = db.session.execute(
            select(Campaign.id, Campaign.revision).where(Campaign.slug == "demo-petition")).one()

    def store(nonce, email, unchanged_since=None):
        """The outcome, then what the transaction holds before its commit or rollback: this
        campaign's count, every campaign's counts together, signatures and spent tokens."""
        token = FormToken(nonce=nonce, issued_at=utcnow(), issued_at_precise=time.time())
        with app.app_context():
            outcome = record_signature(campaign_id, {**SUPPORTER, "email": email}, token=token, language="es",
                                       source=None, opted_in=False, consented=True, ip_digest=None,
                                       unchanged_since=unchanged_since)
            held = (db.session.scalar(select(Campaign.action_count).where(Campaign.id == campaign_id)),
                    db.session.scalar(select(func.sum(Campaign.action_count))),
                    db.session.scalar(select(func.count()).select_from(Signature)),
                    db.session.scalar(select(func.count()).select_from(SpentFormToken)))
            if outcome is Outcome.SIGNED:
                db.session.commit()
            else:
                db.session.rollback()
        return outcome, *held

    as_read = {"campaign_revision": revision, "partner": None, "partner_revision": None}
    assert store("first-nonce", "ana@example.org", as_read) == (Outcome.SIGNED, 1, 1, 1, 1)
    assert store("first-nonce", "otra@example.org") == (Outcome.TOKEN_ALREADY_USED, 1, 1, 1, 1)
    # The same email again spends its token and counts nothing, and looks the same to the signer.
    assert store("second-nonce", "ana@example.org") == (Outcome.SIGNED, 1, 1, 1, 2)
    for changed in ({**as_read, "campaign_revision": revision + 1}, {**as_read, "campaign_revision": None},
                    {**as_read, "partner": "no-such-partner", "partner_revision": 1}):
        assert store("third-nonce", "luis@example.org", changed) == (Outcome.CLOSED, 1, 1, 1, 2)
    set_status(app, "closed")
    assert store("first-nonce", "luis@example.org") == (Outcome.CLOSED, 1, 1, 1, 2)
    assert store("fourth-nonce", "luis@example.org") == (Outcome.CLOSED, 1, 1, 1, 2)
    with app.app_context():
        stored = db.session.execute(text("SELECT created_at, opted_in, consented FROM signatures")).one()
    # As the ORM's own inserts store them (SQLite keeps what it is given: the view's column types
    # must convert as the table's do).
    assert isinstance(stored[0], datetime) or re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", stored[0])
    assert tuple(stored[1:]) in ((False, True), (0, 1))


def test_no_value_of_postgresqls_one_statement_is_named_like_a_column_of_campaigns():
    """The statement updates campaigns; a value named like one of its columns would silently be
    taken as a new value for that column."""
    unchanged_since = dict.fromkeys(select(Campaign.id).where(*UNCHANGED_SINCE).compile().params)
    signature = dict.fromkeys(column.name for column in Signature.__table__.columns if not column.primary_key)
    values = one_statement_values(SimpleNamespace(nonce="n", expires_at=utcnow()), signature, unchanged_since)
    assert set(unchanged_since) == {"campaign_revision", "partner", "partner_revision"} <= set(values)
    assert not set(values) & set(Campaign.__table__.columns.keys())


def test_every_request_sees_the_campaign_as_it_is_now(app, client):
    """Each worker remembers campaigns' text and settings, but never shows an old version."""
    assert sign(client).status_code == 303
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        content = {**campaign.content, "es": {**campaign.content["es"], "title": "Un título recién cambiado"}}
        campaign.content = content
        db.session.commit()
    assert "Un título recién cambiado" in text_of(client.get("/embed/demo-petition?lang=es"))
    assert "Un título recién cambiado" in text_of(client.get("/c/demo-petition?lang=es"))
    # A takedown made in SQL alone, as an operator might in an emergency, shows at once too.
    with app.app_context():
        db.session.execute(update(Campaign).where(Campaign.slug == "demo-petition").values(status="draft"))
        db.session.commit()
    assert client.get("/c/demo-petition?lang=es").status_code == 404
    assert sign(client, token="irrelevant").status_code == 404


def test_the_thank_you_page_reveals_nothing_about_who_signed(client):
    """No name, and no counter either: a count that moved (or not) would tell who had signed."""
    sign(client, given_name="Distinctive", email="distinctive@example.org")
    thanks = client.get("/embed/demo-petition/thanks?lang=en")
    body = thanks.get_data(as_text=True)
    assert "Distinctive" not in body and "distinctive@example.org" not in body
    words = text_of(thanks)
    assert "has signed" not in words and "have signed" not in words and "Goal" not in words
    assert not soup(thanks).find("progress")


def test_a_closed_petition_without_signatures_says_so(app, client):
    set_status(app, "closed")
    assert "Nadie firmó antes del cierre." in text_of(client.get("/embed/demo-petition?lang=es"))


def test_the_goal_steps_up_exactly_when_it_is_reached(app, client):
    with app.app_context():
        db.session.query(Campaign).filter_by(slug="demo-petition").one().counted_actions = 999
        db.session.commit()
    assert "Goal: 1,000 signatures" in text_of(client.get("/embed/demo-petition?lang=en"))
    sign(client)
    assert "Goal: 2,000 signatures" in text_of(client.get("/embed/demo-petition?lang=en"))


def test_a_consent_box_must_be_ticked_and_is_recorded(app, client):
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        campaign.settings = {**campaign.settings, "ask_consent": True}
        content = dict(campaign.content)
        content["en"] = {**content["en"], "consent_text": "I agree to the terms"}
        content["es"] = {**content["es"], "consent_text": "Acepto las condiciones"}
        campaign.content = content
        db.session.commit()
    page = soup(client.get("/embed/demo-petition?lang=en"))
    assert page.find("label", attrs={"for": "consent"}).get_text() == "I agree to the terms"
    unticked = sign(client, lang="en")
    assert unticked.status_code == 422
    assert "Please tick this box to sign." in text_of(unticked)
    assert sign(client, lang="en", consent="y").status_code == 303
    with app.app_context():
        assert db.session.query(Signature).one().consented is True


def test_a_long_unicode_address_that_grows_when_lowercased_is_counted_once(app, client):
    """254 bytes, accepted by the validator, longer once lowercased: no 500 on any database."""
    local, domain = "\u0130" * 32, "a" * 63 + "." + "b" * 63 + "." + "c" * 57 + ".org"
    address = f"{local}@{domain}"
    assert len(address.encode()) == 254 and len(address.lower().encode()) > 254
    assert sign(client, email=address).status_code == 303
    assert sign(client, email=f"{local}@{domain.upper()}").status_code == 303
    assert action_count(app) == count_rows(app, Signature) == 1


FAILING_INSERT = {
    "sqlite": ["CREATE TRIGGER fail_insert BEFORE INSERT ON signatures BEGIN SELECT RAISE(ABORT, 'refused'); END"],
    "postgresql": [
        "CREATE FUNCTION fail_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER fail_insert BEFORE INSERT ON signatures FOR EACH ROW EXECUTE FUNCTION fail_insert()",
    ],
}
REMOVE_FAILING_INSERT = {
    "sqlite": ["DROP TRIGGER fail_insert"],
    "postgresql": ["DROP TRIGGER fail_insert ON signatures", "DROP FUNCTION fail_insert()"],
}


def run_sql(app, statements):
    with app.app_context():
        for statement in statements[db.engine.dialect.name]:
            db.session.execute(db.text(statement))
        db.session.commit()


def test_no_supporters_details_reach_the_log_when_the_database_fails(app, client, caplog):
    run_sql(app, FAILING_INSERT)
    try:
        response = sign(client, given_name="Traceable", email="traceable@example.org", city="Hiddenville")
    finally:
        run_sql(app, REMOVE_FAILING_INSERT)
    assert response.status_code == 500
    assert "Tuvimos un problema técnico" in text_of(response)
    assert "database error" in caplog.text
    for personal in ("Traceable", "traceable@example.org", "Hiddenville"):
        assert personal not in caplog.text
    assert action_count(app) == count_rows(app, Signature) == 0


def test_two_posts_with_one_token_at_the_same_moment_store_one_signature(app, client):
    token = form_token(client.get("/embed/demo-petition"))
    start, statuses = threading.Barrier(2), []

    def post(email):
        start.wait()
        statuses.append(sign(app.test_client(), token=token, email=email).status_code)

    threads = [threading.Thread(target=post, args=(f"{name}@example.org",)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 400]
    assert action_count(app) == count_rows(app, Signature) == 1


def test_the_count_stays_exact_while_uncounted_actions_are_added_up_at_the_same_moments(app, monkeypatch):
    """Each signature writes itself down as uncounted, and here every one then adds up all of its
    campaign's at once, from eight threads at a time: however the two interleave, each signature
    is counted once. An erasure takes one back, added up or not yet."""
    monkeypatch.setattr(counting, "FOLD_ONE_IN", 1)
    emails = [f"person{number}@example.org" for number in range(24)]
    start = threading.Barrier(8)

    def sign_some(share):
        client = app.test_client()
        start.wait()
        return [sign(client, email=email).status_code for email in share]

    with ThreadPoolExecutor(8) as pool:
        statuses = [status for answers in pool.map(sign_some, [emails[number::8] + [emails[number].upper()]
                                                               for number in range(8)]) for status in answers]
    assert statuses == [303] * 32
    with app.app_context():
        folded, uncounted = db.session.execute(select(
            Campaign.counted_actions, select(func.count()).select_from(uncounted_actions).scalar_subquery(),
        ).where(Campaign.slug == "demo-petition")).one()
    assert folded > 0 and folded + uncounted == action_count(app) == count_rows(app, Signature) == 24
    with app.app_context():
        erase_supporter("person3@example.org")
    assert action_count(app) == count_rows(app, Signature) == 23


def test_erasing_a_signature_not_yet_added_up_takes_it_off_the_count(app, client, monkeypatch):
    monkeypatch.setattr(counting, "FOLD_ONE_IN", 10**9)
    assert sign(client, email="una@example.org").status_code == sign(client, email="otra@example.org").status_code

    def counts():
        with app.app_context():
            db.session.expire_all()
            return db.session.execute(select(Campaign.counted_actions, Campaign.action_count)
                                      .where(Campaign.slug == "demo-petition")).one()

    assert counts() == (0, 2)
    with app.app_context():
        assert erase_supporter("una@example.org") == {"demo-petition": 1}
    assert counts() == (-1, 1)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign.id).where(Campaign.slug == "demo-petition"))
        counting.fold_uncounted_actions(db.session.connection(), campaign)
        db.session.commit()
    assert counts() == (1, 1) and count_rows(app, Signature) == 1


def test_a_signature_whose_adding_up_fails_is_not_stored(app, client, monkeypatch):
    """Adding up comes first, so that a failure there leaves nothing stored, as the 503 says."""
    def fail(connection, campaign_id):
        raise OperationalError("adding up", {}, Exception("the server went away"))

    assert sign(client, email="primera@example.org").status_code == 303  # Flask, then before Flask
    monkeypatch.setattr(counting, "FOLD_ONE_IN", 1)
    monkeypatch.setattr(counting, "fold_uncounted_actions", fail)
    refused = sign(client, email="segunda@example.org")
    assert refused.status_code == 503 and "No se guardó nada" in text_of(refused)
    assert action_count(app) == count_rows(app, Signature) == 1


def test_a_post_from_a_typed_in_address_is_accepted(client):
    assert sign(client, headers={"Sec-Fetch-Site": "none"}).status_code == 303


def test_behind_a_proxy_our_public_origin_is_recognized(database_url):
    from tests.conftest import close_database
    from tests.conftest import make_app

    app = make_app(database_url, PROXY_HOPS=1)
    from widget.campaigns.loader import campaign_files
    from widget.campaigns.loader import load_campaign_files

    with app.app_context():
        load_campaign_files(campaign_files(app.config["CAMPAIGNS_DIR"]))
    client = app.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "Host": "act.example.org", "X-Forwarded-For": "203.0.113.9"}
    token = form_token(client.get("/embed/demo-petition", headers=forwarded))
    response = client.post(
        "/embed/demo-petition", data={"token": token, **SUPPORTER},
        headers={**forwarded, "Origin": "https://act.example.org"},
    )
    assert response.status_code == 303
    assert "Strict-Transport-Security" in response.headers
    other = client.post(
        "/embed/demo-petition", data={"token": token, **SUPPORTER},
        headers={**forwarded, "Origin": "https://evil.example"},
    )
    assert other.status_code == 403
    # The proxy sets no X-Forwarded-Host: one there is the client's, and makes no site ours.
    claimed = client.post(
        "/embed/demo-petition", data={"token": form_token(client.get("/embed/demo-petition", headers=forwarded)),
                                      **SUPPORTER},
        headers={**forwarded, "X-Forwarded-Host": "evil.example", "Origin": "https://evil.example"},
    )
    assert claimed.status_code == 403
    close_database(app)


@pytest.mark.parametrize(("host", "status"), [
    ("localhost", 200), ("example.org:8000", 200), ("[::1]:8000", 200), ("203.0.113.5", 200),
    ("a:xyz", 400), ("x:99999", 400), ("[::1", 400), ("a b", 400),
])
def test_a_host_that_is_no_web_address_is_refused(client, host, status):
    """Links, share addresses and QR codes are made from the Host header when no public address is set."""
    assert client.get("/embed/demo-petition", headers={"Host": host}).status_code == status


def test_the_public_base_url_is_accepted_as_our_origin(app, client):
    app.config["BASE_URL"] = "https://act.example.org"
    token = form_token(client.get("/embed/demo-petition"))
    response = client.post("/embed/demo-petition", data={"token": token, **SUPPORTER},
                           headers={"Origin": "https://act.example.org"})
    assert response.status_code == 303


def test_widget_pages_are_never_cached(client):
    pages = (client.get("/embed/demo-petition"), sign(client, email="x"), client.get("/embed/demo-petition/thanks"))
    for response in pages:
        assert response.headers["Cache-Control"] == "no-store"


def test_signing_does_not_change_when_the_campaign_was_last_updated(app, client):
    with app.app_context():
        before = db.session.query(Campaign.updated_at).filter_by(slug="demo-petition").scalar()
    sign(client)
    with app.app_context():
        after = db.session.query(Campaign.updated_at).filter_by(slug="demo-petition").scalar()
    assert before == after


def test_stored_times_are_aware_and_in_utc_on_every_database(app, client):
    sign(client)
    with app.app_context():
        signature = db.session.query(Signature).one()
        token = db.session.query(SpentFormToken).one()
        assert signature.created_at.utcoffset().total_seconds() == 0
        assert token.expires_at.tzinfo is not None and token.expires_at > signature.created_at
