"""axe-core finds nothing wrong in any state of any page, in Spanish or in English."""

import pytest

from tests.browser.conftest import PHONE
from tests.browser.conftest import axe_violations
from tests.conftest import make_app
from tests.servers import ThreadedServer
from widget.extensions import db
from widget.storage.models import Campaign

LANGUAGES = ["es", "en"]


def fill_in(page, lang):
    for name, value in (("given_name", "Marta"), ("family_name", "Ríos"),
                        ("email", f"marta.{lang}@example.org"), ("city", "Chicago")):
        page.locator(f"input[name={name}]").fill(value)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_petition_state_passes_axe(page, widget_server, lang):
    page.goto(f"{widget_server.url}/embed/demo-petition?lang={lang}")
    assert axe_violations(page) == [], "form"
    page.locator("details.more summary").click()
    assert axe_violations(page) == [], "form with the background open"

    page.locator("input[name=email]").fill("not an address")
    page.locator("button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    assert axe_violations(page) == [], "field errors"

    fill_in(page, lang)
    page.evaluate("document.querySelector('input[name=token]').value = 'expired'")
    page.locator("button[type=submit]").click()
    page.locator(".notice").wait_for()
    assert axe_violations(page) == [], "please-try-again notice"

    page.locator("button[type=submit]").click()
    page.locator(".thanks").wait_for()
    assert axe_violations(page) == [], "thank-you"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_closed_and_missing_pages_pass_axe(page, widget_app, widget_server, lang):
    page.goto(f"{widget_server.url}/embed/no-such-campaign?lang={lang}")
    assert axe_violations(page) == [], "not found"
    with widget_app.app_context():
        db.session.query(Campaign).filter_by(slug="demo-petition").one().status = "closed"
        db.session.commit()
    page.goto(f"{widget_server.url}/embed/demo-petition?lang={lang}")
    assert axe_violations(page) == [], "closed"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_unavailable_page_passes_axe(browser, lang):
    with ThreadedServer(make_app("postgresql://postgres@127.0.0.1:9/nowhere")) as server:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.goto(f"{server.url}/embed/demo-petition?lang={lang}")
        assert axe_violations(page) == []
        context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_our_own_pages_pass_axe(page, widget_server, lang):
    page.goto(f"{widget_server.url}/c/demo-petition?lang={lang}")
    page.locator("iframe").wait_for()
    assert axe_violations(page) == [], "action page"
    page.goto(f"{widget_server.url}/c/demo-petition/embed?lang={lang}&source=bad%20code")
    assert axe_violations(page) == [], "embed-code page with an error"


def test_the_axe_check_does_catch_a_problem(page):
    """The control for every test above: a page with known faults must fail."""
    page.set_content('<html><body><main><img src="x.png"><input type="text"><a href="#"></a></main></body></html>')
    found = " ".join(axe_violations(page))
    assert "image-alt" in found and "label" in found and "link-name" in found
