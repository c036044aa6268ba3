"""A supporter signs inside an iframe on a partner's site, with third-party cookies blocked."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import click_in_frame
from widget.extensions import db
from widget.storage.models import Signature

PARTNER_PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Partner</title></head>
<body><h1>Our partner's page</h1>
<iframe src="{src}" title="Petición" style="width:100%;height:1400px;border:0"></iframe>
</body></html>"""


def fill_in(frame, **values):
    for name, value in values.items():
        frame.locator(f"input[name={name}]").fill(value)


@pytest.fixture
def embedded(page, partner_site, widget_server):
    widget = f"{widget_server.url}/embed/demo-petition?lang=es&source=partner-x"
    page.goto(partner_site.add("action.html", PARTNER_PAGE.format(src=widget)))
    return page


def test_third_party_cookies_really_are_blocked_in_this_browser(embedded, widget_server):
    """The control: if this failed, the test below could not tell us anything."""
    frame = embedded.locator("iframe").element_handle().content_frame()
    assert frame.evaluate("document.cookie = 'probe=1; path=/'; document.cookie") == ""
    first_party = embedded.context.new_page()
    first_party.goto(f"{widget_server.url}/embed/demo-petition")
    assert first_party.evaluate("document.cookie = 'probe=1; path=/'; document.cookie") == "probe=1"


def test_signing_inside_a_cross_site_iframe_without_cookies(embedded, widget_app, partner_site):
    set_cookies = []
    embedded.on("response", lambda response: set_cookies.append(response.headers.get("set-cookie")))
    frame = embedded.frame_locator("iframe")
    assert frame.locator("h1").inner_text() == "Alto a las detenciones masivas y arbitrarias"
    fill_in(frame, given_name="Lucía", family_name="Martínez", email="lucia@example.org",
            city="Los Ángeles", postal_code="90001")
    click_in_frame(frame.locator("button[type=submit]"))

    expect(frame.locator("h1")).to_have_text("¡Gracias por firmar!")
    # The thank-you replaced the form inside the frame: the partner's page did not move on.
    assert embedded.url == f"{partner_site.url}/action.html"
    assert frame.locator("form").count() == 0
    assert embedded.context.cookies() == []
    assert [header for header in set_cookies if header] == []
    with widget_app.app_context():
        signature = db.session.query(Signature).one()
        assert (signature.given_name, signature.source, signature.language) == ("Lucía", "partner-x", "es")


def test_errors_are_shown_in_the_frame_and_focus_moves_to_the_first_one(embedded):
    frame = embedded.frame_locator("iframe")
    fill_in(frame, given_name="Lucía", email="not-an-email")
    click_in_frame(frame.locator("button[type=submit]"))
    frame.locator(".error-summary").wait_for()
    expect(frame.locator(":focus")).to_have_attribute("name", "family_name")
    assert frame.locator("input[name=given_name]").input_value() == "Lucía"
    summary = frame.locator(".error-summary").inner_text()
    assert "Escriba un correo electrónico válido, por ejemplo: nombre@example.org." in summary


def test_signing_with_javascript_off(browser, partner_site, widget_server, widget_app):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    widget = f"{widget_server.url}/embed/demo-petition?lang=en"
    page.goto(partner_site.add("nojs.html", PARTNER_PAGE.format(src=widget)))
    frame = page.frame_locator("iframe")
    fill_in(frame, given_name="Sam", family_name="Lee", email="sam@example.org", city="Fresno")
    click_in_frame(frame.locator("button[type=submit]"))
    expect(frame.locator("h1")).to_have_text("Thank you for signing!")
    assert page.url == f"{partner_site.url}/nojs.html"
    context.close()
    with widget_app.app_context():
        assert db.session.query(Signature).filter_by(email="sam@example.org").count() == 1
