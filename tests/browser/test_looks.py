"""Every widget state at phone width, in Spanish and English: nothing overflows, and a screenshot
of each is kept in artifacts/screenshots/ for people to look at."""

import pytest

from tests.browser.conftest import PHONE
from tests.browser.conftest import app_with_campaigns
from tests.browser.conftest import screenshot
from tests.conftest import make_app
from tests.servers import ThreadedServer
from widget.extensions import db
from widget.storage.models import Campaign

LANGUAGES = ["es", "en"]


def assert_fits_the_phone(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"


def assert_the_card_is_shown(page):
    """The Know Your Rights card has loaded (it loads lazily, when scrolled near) and is drawn."""
    card = page.locator("img.card__image")
    card.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('img.card__image').complete")
    assert card.evaluate("image => image.naturalWidth") == 1080
    page.evaluate("window.scrollTo(0, 0)")


def show(page, url, name):
    page.goto(url)
    assert_fits_the_phone(page)
    screenshot(page, name)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_form_errors_and_thank_you(page, widget_server, lang):
    form = f"{widget_server.url}/embed/demo-petition?lang={lang}"
    show(page, form, f"petition-form-{lang}")
    page.locator("details.more summary").click()
    screenshot(page, f"petition-form-open-{lang}")
    page.locator("input[name=email]").fill("not an email")
    page.locator("button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    assert_fits_the_phone(page)
    screenshot(page, f"petition-errors-{lang}")
    for name, value in (("given_name", "María José"), ("family_name", "Hernández-Ñúñez"),
                        ("email", f"mj.{lang}@example.org"), ("city", "San Bernardino")):
        page.locator(f"input[name={name}]").fill(value)
    page.locator("button[type=submit]").click()
    page.locator(".thanks").wait_for()
    assert_fits_the_phone(page)
    assert_the_card_is_shown(page)
    screenshot(page, f"petition-thanks-{lang}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_closed_and_not_found(page, widget_app, widget_server, lang):
    with widget_app.app_context():
        db.session.query(Campaign).filter_by(slug="demo-petition").one().status = "closed"
        db.session.commit()
    show(page, f"{widget_server.url}/embed/demo-petition?lang={lang}", f"petition-closed-{lang}")
    show(page, f"{widget_server.url}/embed/no-such-campaign?lang={lang}", f"not-found-{lang}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_database_unavailable(browser, lang):
    unreachable = make_app("postgresql://postgres@127.0.0.1:9/nowhere")
    with ThreadedServer(unreachable) as server:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        response = page.goto(f"{server.url}/embed/demo-petition?lang={lang}")
        assert response.status == 503
        assert_fits_the_phone(page)
        screenshot(page, f"unavailable-{lang}")
        context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_embed_code_pages_choices_are_small_boxes_beside_their_words(page, widget_server, lang):
    show(page, f"{widget_server.url}/c/demo-petition/embed?lang={lang}", f"embed-code-{lang}")
    choices = page.locator("label.choice").all()
    assert len(choices) == 5  # two languages, one's own colour, two kinds of code
    for choice in choices:
        label, box = choice.bounding_box(), choice.locator("input").bounding_box()
        # Not a text field's full-width box above its words (as page.css once made the checkbox).
        assert box["width"] <= 24 and box["height"] <= 24, choice.inner_text()
        assert box["x"] - label["x"] < 4 and label["y"] <= box["y"] <= label["y"] + label["height"] - box["height"]


def test_long_words_and_long_translations_do_not_overflow(page, widget_app, widget_server):
    with widget_app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        content = dict(campaign.content)
        content["es"] = {**content["es"], "title": "Anticonstitucionalísimamente" * 4, "target": "x" * 120}
        campaign.content = content
        db.session.commit()
    show(page, f"{widget_server.url}/embed/demo-petition?lang=es", "petition-long-words")


@pytest.mark.parametrize(("lang", "lines"), [
    ("es", ["Esta dirección de correo electrónico se envió varias veces",
            "Si ya firmó con este correo electrónico, su firma cuenta y no tiene que hacer nada más. "
            "Si no, espere una hora e inténtelo de nuevo."]),
    ("en", ["This email address was sent several times",
            "If you have already signed with it, your signature counts and there is nothing more to do. "
            "If not, please wait an hour and try again."]),
])
def test_a_limit_reached_is_said_above_the_form_as_its_page_says_it(browser, tmp_path, lang, lines):
    """The 429 comes back inside the frame: its heading and its message, each its own line, over
    the form as it was typed."""
    with app_with_campaigns(tmp_path / "limited.sqlite3", RATE_LIMIT_PER_EMAIL="1 per hour") as app, \
            ThreadedServer(app, host="127.0.0.1") as server:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        typed = {"given_name": "Rosa", "family_name": "Gómez", "email": f"rosa.{lang}@example.org", "city": "Fresno"}
        for attempt in range(2):
            page.goto(f"{server.url}/embed/demo-petition?lang={lang}")
            for name, value in typed.items():
                page.locator(f"input[name={name}]").fill(value)
            page.locator("button[type=submit]").click()
            page.locator(".thanks" if attempt == 0 else ".notice").wait_for()
        assert page.locator(".notice p").all_inner_texts() == lines
        assert page.locator(".notice p strong").inner_text() == lines[0]
        assert {name: page.locator(f"input[name={name}]").input_value() for name in typed} == typed
        assert_fits_the_phone(page)
        screenshot(page, f"petition-limit-{lang}")
        context.close()
