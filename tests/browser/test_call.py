"""The call widget in a browser: every state passes axe in both languages, it works without
JavaScript inside a partner's iframe with third-party cookies blocked, and it looks right."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.conftest import axe_violations
from tests.browser.conftest import click_in_frame
from tests.browser.conftest import screenshot
from tests.congress_sources import first_zip
from tests.test_call import single_district_zip
from tests.test_call import split_zip
from tests.test_call import vacant_zip
from widget.extensions import db
from widget.storage.models import CallReport
from widget.storage.models import Campaign

LANGUAGES = ["es", "en"]


@pytest.fixture(autouse=True)
def saturday_night(monkeypatch):
    """Offices closed, so every step shows (and axe checks) the "probably closed" note."""
    from datetime import UTC
    from datetime import datetime

    from tests.congress_sources import TODAY
    from widget.call import congress
    from widget.call import hours

    monkeypatch.setattr(hours, "now", lambda: datetime(2026, 11, 22, 3, 0, tzinfo=UTC))
    monkeypatch.setattr(congress, "today", lambda: TODAY)


def assert_fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def check(page, name):
    assert axe_violations(page) == [], name
    assert_fits_the_phone(page)
    screenshot(page, name)


def find_members(page, zip_code):
    page.locator("input[name=postal_code]").fill(zip_code)
    page.wait_for_timeout(2100)  # a person takes a moment
    page.locator("button[type=submit]").last.click()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_call_state_passes_axe_and_fits_a_phone(page, widget_server, lang):
    page.goto(f"{widget_server.url}/embed/demo-call?lang={lang}")
    check(page, f"call-start-{lang}")

    find_members(page, "ABCDE")
    page.locator(".error-summary").wait_for()
    check(page, f"call-bad-zip-{lang}")

    page.locator("input[name=postal_code]").fill("12345")
    page.locator("button[type=submit]").last.click()
    expect(page.locator(".way-forward")).to_be_visible()
    expect(page.locator(".error-summary h2").first).to_contain_text("12345")
    check(page, f"call-unknown-zip-{lang}")

    page.locator("input[name=postal_code]").fill(split_zip())
    page.locator("input[name=given_name]").fill("Ana")
    page.locator("button[type=submit]").last.click()
    page.locator(".target").wait_for()
    check(page, f"call-step-split-{lang}")

    expect(page.locator(".target__closed")).to_be_visible()
    page.locator("button[value=talked_to_staff]").click()
    expect(page.locator(".call-progress")).to_have_text({"es": "Llamada 2 de 4", "en": "Call 2 of 4"}[lang])
    check(page, f"call-step-two-{lang}")

    # Switching language mid-call keeps the place in the list.
    other = {"es": "en", "en": "es"}[lang]
    page.locator(f".language-switch button[lang={other}]").click()
    expect(page.locator(".call-progress")).to_have_text({"es": "Call 2 of 4", "en": "Llamada 2 de 4"}[lang])
    check(page, f"call-step-switched-{lang}")
    page.locator(f".language-switch button[lang={lang}]").click()
    expect(page.locator(".call-progress")).to_have_text({"es": "Llamada 2 de 4", "en": "Call 2 of 4"}[lang])

    for _ in range(6):
        if page.locator(".thanks").count():
            break
        page.locator("button[value=left_voicemail]").click()
        page.wait_for_load_state()
        page.wait_for_timeout(300)
    page.locator(".thanks").wait_for()
    check(page, f"call-thanks-{lang}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_notes_fixed_numbers_and_closed_call_ins_pass_axe(page, widget_app, widget_server, lang):
    page.goto(f"{widget_server.url}/embed/demo-call?lang={lang}")
    find_members(page, vacant_zip())
    page.locator(".notes").wait_for()
    check(page, f"call-step-vacant-{lang}")

    page.goto(f"{widget_server.url}/embed/demo-call?lang={lang}")
    find_members(page, first_zip(lambda seats, data: seats == ["PR-0"]))
    page.locator(".notes").wait_for()
    check(page, f"call-step-puerto-rico-{lang}")

    page.goto(f"{widget_server.url}/embed/demo-white-house?lang={lang}")
    check(page, f"call-fixed-start-{lang}")
    page.wait_for_timeout(2100)
    page.locator("button[type=submit]").last.click()
    page.locator(".target").wait_for()
    check(page, f"call-fixed-step-{lang}")

    with widget_app.app_context():
        db.session.query(Campaign).filter_by(slug="demo-call").one().status = "closed"
        db.session.commit()
    page.goto(f"{widget_server.url}/embed/demo-call?lang={lang}")
    check(page, f"call-closed-{lang}")


PARTNER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner</title></head>
<body><h1>Call your representatives</h1>
<iframe src="{src}" title="Call-in" style="width:100%;height:1500px;border:0"></iframe>
</body></html>"""


def test_calling_without_javascript_in_a_cross_site_frame(browser, partner_site, widget_server, widget_app):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    src = f"{widget_server.url}/embed/demo-call?lang=es&source=red-ca"
    page.goto(partner_site.add("call.html", PARTNER_PAGE.format(src=src)))
    frame = page.frame_locator("iframe")
    frame.locator("input[name=postal_code]").fill(single_district_zip())
    frame.locator("input[name=city]").fill("Fresno")
    page.wait_for_timeout(2100)
    click_in_frame(frame.locator("button[type=submit]").last)
    expect(frame.locator(".call-progress")).to_have_text("Llamada 1 de 3")
    assert frame.locator("a.button--call").get_attribute("href").startswith("tel:+1")
    click_in_frame(frame.locator("button[value=talked_to_staff]"))
    expect(frame.locator(".call-progress")).to_have_text("Llamada 2 de 3")
    click_in_frame(frame.locator("button[value=skip]"))
    expect(frame.locator(".call-progress")).to_have_text("Llamada 3 de 3")
    click_in_frame(frame.locator("button[value=no_answer]"))
    expect(frame.locator("h1")).to_have_text("¡Gracias por llamar!")
    assert page.url.endswith("/call.html")
    assert context.cookies() == []
    context.close()
    with widget_app.app_context():
        reports = db.session.query(CallReport).order_by(CallReport.id).all()
        assert [(report.outcome, report.source, report.language) for report in reports] == [
            ("talked_to_staff", "red-ca", "es"), ("no_answer", "red-ca", "es")]
        assert db.session.query(Campaign.action_count).filter_by(slug="demo-call").scalar() == 2


def test_the_call_flow_works_from_the_keyboard(page, widget_server):
    page.goto(f"{widget_server.url}/embed/demo-white-house?lang=en")
    page.focus("input[name=given_name]")
    page.keyboard.type("Jo")
    page.wait_for_timeout(2100)
    page.keyboard.press("Enter")
    page.locator(".target").wait_for()
    assert page.evaluate("document.activeElement.id") == "target-name"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "tel:+12024561111"
    page.locator("button[value=talked_to_staff]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Thank you for calling!")


def walk_to_the_second_call(page, frame):
    frame.locator("input[name=postal_code]").fill(single_district_zip())
    frame.locator("input[name=given_name]").fill("Ana")
    page.wait_for_timeout(2100)
    click_in_frame(frame.locator("button[type=submit]").last)
    expect(frame.locator(".call-progress")).to_have_text("Llamada 1 de 3")
    click_in_frame(frame.locator("button[name=outcome][value=left_voicemail]"))
    expect(frame.locator(".call-progress")).to_have_text("Llamada 2 de 3")


def test_a_tab_reloaded_mid_way_comes_back_at_the_same_call(page, widget_server, widget_app):
    """A phone may close the tab while the supporter is dialing: the widget's script keeps the
    call-in's place in the tab's session storage and, on a reload, comes back to it, in the
    language last chosen. Opened afresh, or once the call-in ends, nothing of it is kept."""
    page.goto(f"{widget_server.url}/embed/demo-call?lang=es")
    walk_to_the_second_call(page, page)
    click_in_frame(page.locator(".language-switch button[lang=en]"))
    expect(page.locator(".call-progress")).to_have_text("Call 2 of 3")

    page.reload()
    expect(page.locator(".call-progress")).to_have_text("Call 2 of 3")
    assert "My name is Ana." in page.locator(".script__text").inner_text()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("document.activeElement === document.body")  # no jump on the partner's page

    # Opened afresh (a link, the address typed again), the widget starts over and drops the visit.
    page.goto(f"{widget_server.url}/embed/demo-call?lang=en")
    page.wait_for_timeout(500)  # time enough for a script that would take it back to a call
    assert page.locator(".call-progress").count() == 0
    assert page.evaluate("window.sessionStorage.length") == 0
    page.go_back()  # back to the step's address, which is the same first form: the visit is gone
    page.wait_for_timeout(500)
    assert page.locator(".call-progress").count() == 0

    page.goto(f"{widget_server.url}/embed/demo-call?lang=es")
    walk_to_the_second_call(page, page)

    for remaining in ("Llamada 3 de 3", None):
        page.locator("button[name=outcome][value=skip]").click()
        if remaining:
            expect(page.locator(".call-progress")).to_have_text(remaining)
    expect(page.locator(".thanks")).to_be_visible()
    assert page.evaluate("window.sessionStorage.length") == 0  # the call-in ended: nothing of it is left
    with widget_app.app_context():
        assert db.session.query(CallReport).count() == 2  # one each time round: nothing counted twice


def test_where_the_browser_refuses_storage_a_reload_starts_over(page, partner_site, widget_server):
    """In a partner's frame with third-party cookies blocked, Chrome refuses the frame storage too:
    the call-in then works as before, and a reload shows the first form, with no error."""
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    src = f"{widget_server.url}/embed/demo-call?lang=es"
    page.goto(partner_site.add("call.html", PARTNER_PAGE.format(src=src)))
    frame = page.frame_locator("iframe")
    walk_to_the_second_call(page, frame)
    assert frame.locator("body").evaluate(
        "() => { try { sessionStorage.length; return false; } catch (error) { return true; } }")  # refused
    page.reload()
    expect(frame.locator("input[name=postal_code]")).to_be_visible()
    page.wait_for_timeout(500)  # time enough for a script that would take it back to a call
    assert frame.locator(".call-progress").count() == 0 and errors == []
